#include "actors/policy/time_zone.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

namespace ever::policy {

namespace {

constexpr int64_t seconds_per_day = 86400;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int64_t y, int m) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// 1970-01-01 was a Thursday.
int weekday_of(int64_t days) {
  return static_cast<int>(((days % 7) + 7 + 4) % 7);
}

// --- TZif -----------------------------------------------------------------------------------

class byte_reader {
public:
  explicit byte_reader(const std::string& s) : s_(s) {}
  bool has(size_t n) const { return s_.size() - pos_ >= n; }
  size_t pos() const { return pos_; }
  void skip(size_t n) { pos_ += n; }
  uint8_t u8() { return static_cast<uint8_t>(s_[pos_++]); }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v = (v << 8) | u8();
    return v;
  }
  int64_t i64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v = (v << 8) | u8();
    return static_cast<int64_t>(v);
  }
  const std::string& text() const { return s_; }

private:
  const std::string& s_;
  size_t pos_ = 0;
};

struct tzif_counts {
  uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

expected<tzif_counts> read_header(byte_reader& r, char& version) {
  if (!r.has(44) || r.text().compare(r.pos(), 4, "TZif") != 0)
    return make_error(errc::invalid_argument, "not a TZif file");
  r.skip(4);
  version = static_cast<char>(r.u8());
  r.skip(15);
  tzif_counts c{r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()};
  if (c.typecnt == 0 || c.typecnt > 256 || (c.isutcnt != 0 && c.isutcnt != c.typecnt) ||
      (c.isstdcnt != 0 && c.isstdcnt != c.typecnt))
    return make_error(errc::invalid_argument, "bad TZif header");
  return c;
}

size_t block_size(const tzif_counts& c, size_t time_size) {
  return size_t{c.timecnt} * time_size + c.timecnt + size_t{c.typecnt} * 6 + c.charcnt +
         size_t{c.leapcnt} * (time_size + 4) + c.isstdcnt + c.isutcnt;
}

expected<void> read_block(byte_reader& r, const tzif_counts& c, size_t time_size, time_zone& z) {
  if (!r.has(block_size(c, time_size)))
    return make_error(errc::invalid_argument, "truncated TZif file");
  z.transitions.resize(c.timecnt);
  for (auto& t : z.transitions)
    t = time_size == 8 ? r.i64() : static_cast<int64_t>(static_cast<int32_t>(r.u32()));
  z.transition_types.resize(c.timecnt);
  for (auto& t : z.transition_types) {
    t = r.u8();
    if (t >= c.typecnt)
      return make_error(errc::invalid_argument, "bad TZif transition type");
  }
  z.offsets.resize(c.typecnt);
  for (auto& o : z.offsets) {
    o = static_cast<int32_t>(r.u32());
    r.skip(2); // isdst, abbreviation index: not needed for offsets
  }
  r.skip(c.charcnt + size_t{c.leapcnt} * (time_size + 4) + c.isstdcnt + c.isutcnt);
  if (!std::is_sorted(z.transitions.begin(), z.transitions.end()))
    return make_error(errc::invalid_argument, "unsorted TZif transitions");
  return {};
}

// --- POSIX TZ strings ------------------------------------------------------------------------

class tz_string_parser {
public:
  explicit tz_string_parser(const std::string& s) : s_(s) {}
  bool at_end() const { return pos_ == s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  bool eat(char c) {
    if (peek() != c)
      return false;
    ++pos_;
    return true;
  }

  bool name() {
    if (eat('<')) {
      size_t close = s_.find('>', pos_);
      if (close == std::string::npos || close == pos_)
        return false;
      pos_ = close + 1;
      return true;
    }
    size_t start = pos_;
    while (!at_end() && ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z')))
      ++pos_;
    return pos_ - start >= 3;
  }

  // [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 extension for rule times).
  bool hms(int64_t& out) {
    int sign = 1;
    if (eat('-'))
      sign = -1;
    else
      eat('+');
    int64_t h = 0, m = 0, s = 0;
    if (!number(h, 167))
      return false;
    if (eat(':')) {
      if (!number(m, 59))
        return false;
      if (eat(':') && !number(s, 59))
        return false;
    }
    out = sign * (h * 3600 + m * 60 + s);
    return true;
  }

  bool number(int64_t& out, int64_t max) {
    size_t start = pos_;
    out = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      out = out * 10 + (s_[pos_++] - '0');
      if (out > max)
        return false;
    }
    return pos_ > start;
  }

  bool rule_date(time_zone::posix_rule::date& d) {
    int64_t a = 0, b = 0, c = 0;
    if (eat('J')) {
      if (!number(a, 365) || a < 1)
        return false;
      d.kind = 'J';
      d.n = static_cast<int>(a);
    } else if (eat('M')) {
      if (!number(a, 12) || a < 1 || !eat('.') || !number(b, 5) || b < 1 || !eat('.') ||
          !number(c, 6))
        return false;
      d.kind = 'M';
      d.month = static_cast<int>(a);
      d.week = static_cast<int>(b);
      d.weekday = static_cast<int>(c);
    } else {
      if (!number(a, 365))
        return false;
      d.kind = 'D';
      d.n = static_cast<int>(a);
    }
    d.time = 7200;
    if (eat('/'))
      return hms(d.time);
    return true;
  }

private:
  const std::string& s_;
  size_t pos_ = 0;
};

int64_t rule_day(const time_zone::posix_rule::date& d, int64_t year) {
  int64_t jan1 = days_from_civil(year, 1, 1);
  switch (d.kind) {
    case 'J': return jan1 + d.n - 1 + (is_leap(year) && d.n >= 60 ? 1 : 0);
    case 'D': return jan1 + d.n;
    default: break;
  }
  int64_t first = days_from_civil(year, d.month, 1);
  int offset = (d.weekday - weekday_of(first) + 7) % 7 + (d.week - 1) * 7;
  while (offset >= days_in_month(year, d.month)) // week 5 = the last such weekday
    offset -= 7;
  return first + offset;
}

int64_t rule_offset(const time_zone::posix_rule& r, int64_t utc) {
  if (!r.has_dst)
    return r.std_offset;
  int64_t year = civil_from_seconds(utc + r.std_offset).year;
  // The start is given in standard local time, the end in daylight local time.
  int64_t start = rule_day(r.start, year) * seconds_per_day + r.start.time - r.std_offset;
  int64_t end = rule_day(r.end, year) * seconds_per_day + r.end.time - r.dst_offset;
  bool dst = start < end ? (start <= utc && utc < end) : !(end <= utc && utc < start);
  return dst ? r.dst_offset : r.std_offset;
}

bool valid_zone_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.back() == '/' ||
      name.find("//") != std::string::npos)
    return false;
  // No '.', so no "..": the name must stay inside the zoneinfo directory.
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '+' || c == '/';
  });
}

} // namespace

int64_t days_from_civil(int64_t year, int month, int day) {
  // Count from 0000-03-01 so that the leap day is the last day of a counting year.
  int64_t y = month <= 2 ? year - 1 : year;
  int64_t era = floor_div(y, 400);
  int64_t year_of_era = y - era * 400;                              // [0, 399]
  int64_t month_from_march = month > 2 ? month - 3 : month + 9;     // [0, 11]
  int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1; // [0, 365]
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468; // 719468 = days from 0000-03-01 to 1970-01-01
}

civil_time civil_from_seconds(int64_t seconds) {
  int64_t days = floor_div(seconds, seconds_per_day);
  int64_t rest = seconds - days * seconds_per_day;
  civil_time t;
  t.hour = static_cast<int>(rest / 3600);
  t.minute = static_cast<int>(rest / 60 % 60);
  t.second = static_cast<int>(rest % 60);
  t.weekday = weekday_of(days);

  int64_t z = days + 719468;
  int64_t era = floor_div(z, 146097);
  int64_t day_of_era = z - era * 146097; // [0, 146096]
  int64_t year_of_era =
    (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t mp = (5 * day_of_year + 2) / 153; // month counted from March
  t.day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = year_of_era + era * 400 + (t.month <= 2 ? 1 : 0);
  return t;
}

int64_t time_zone::utc_offset(int64_t utc_seconds) const {
  bool after_last = transitions.empty() || utc_seconds >= transitions.back();
  if (after_last && has_footer)
    return rule_offset(footer, utc_seconds);
  if (transitions.empty() || utc_seconds < transitions.front())
    return offsets.front(); // RFC 8536: before the first transition, time type 0
  auto it = std::upper_bound(transitions.begin(), transitions.end(), utc_seconds);
  return offsets[transition_types[static_cast<size_t>(it - transitions.begin()) - 1]];
}

civil_time time_zone::local_time(int64_t utc_seconds) const {
  return civil_from_seconds(utc_seconds + utc_offset(utc_seconds));
}

expected<time_zone::posix_rule> parse_posix_tz(const std::string& text) {
  auto bad = [&] { return make_error(errc::invalid_argument, "bad TZ string '" + text + "'"); };
  tz_string_parser p(text);
  time_zone::posix_rule r;
  int64_t west = 0;
  if (!p.name() || !p.hms(west))
    return bad();
  r.std_offset = -west; // POSIX offsets count west of UTC
  if (p.at_end())
    return r;
  if (!p.name())
    return bad();
  r.has_dst = true;
  r.dst_offset = r.std_offset + 3600;
  if (!p.at_end() && p.peek() != ',') {
    if (!p.hms(west))
      return bad();
    r.dst_offset = -west;
  }
  if (p.at_end()) {
    // No rule: the POSIX implementation default (US rules since 2007), as glibc does.
    r.start = {'M', 0, 3, 2, 0, 7200};
    r.end = {'M', 0, 11, 1, 0, 7200};
    return r;
  }
  if (!p.eat(',') || !p.rule_date(r.start) || !p.eat(',') || !p.rule_date(r.end) || !p.at_end())
    return bad();
  return r;
}

expected<time_zone> parse_tzif(const std::string& bytes) {
  byte_reader r(bytes);
  char version = 0;
  auto v1 = read_header(r, version);
  if (!v1)
    return v1.error();
  time_zone z;
  if (version == '\0') {
    if (auto ok = read_block(r, *v1, 4, z); !ok)
      return ok.error();
    return z;
  }
  // Version 2+: skip the 32-bit block, read the 64-bit one and the footer.
  if (!r.has(block_size(*v1, 4)))
    return make_error(errc::invalid_argument, "truncated TZif file");
  r.skip(block_size(*v1, 4));
  auto v2 = read_header(r, version);
  if (!v2)
    return v2.error();
  if (auto ok = read_block(r, *v2, 8, z); !ok)
    return ok.error();
  if (r.has(1) && r.u8() == '\n') {
    size_t start = r.pos();
    size_t end = bytes.find('\n', start);
    if (end != std::string::npos && end > start) {
      // An unusable footer is ignored: the last transition's type then stays in effect.
      if (auto rule = parse_posix_tz(bytes.substr(start, end - start))) {
        z.has_footer = true;
        z.footer = *rule;
      }
    }
  }
  return z;
}

expected<std::shared_ptr<const time_zone>> load_time_zone(const std::string& name) {
  if (name == "UTC") {
    static const auto utc = [] {
      auto z = std::make_shared<time_zone>();
      z->offsets = {0};
      return std::shared_ptr<const time_zone>(z);
    }();
    return utc;
  }
  if (!valid_zone_name(name))
    return make_error(errc::invalid_argument, "unknown time zone '" + name + "'");

  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const time_zone>> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(name); it != cache.end())
      return it->second;
  }
  const char* dir = std::getenv("TZDIR");
  std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + name;
  std::string bytes;
  try {
    // A directory such as "America" opens but throws on read.
    std::ifstream file(path, std::ios::binary);
    if (!file)
      return make_error(errc::invalid_argument, "unknown time zone '" + name + "'");
    constexpr size_t max_size = 1 << 20; // real zones are a few KiB
    bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    if (bytes.size() > max_size)
      return make_error(errc::invalid_argument, "time zone '" + name + "': file too large");
  } catch (const std::exception&) {
    return make_error(errc::invalid_argument, "unknown time zone '" + name + "'");
  }
  auto zone = parse_tzif(bytes);
  if (!zone)
    return make_error(errc::invalid_argument,
                      "time zone '" + name + "': " + message_of(zone.error()));
  auto shared = std::make_shared<const time_zone>(std::move(*zone));
  std::lock_guard<std::mutex> lock(mutex);
  cache.emplace(name, shared);
  return shared;
}

} // namespace ever::policy
