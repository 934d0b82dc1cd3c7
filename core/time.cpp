#include "core/time.hpp"

#include <chrono>
#include <ctime>

namespace ever {

time_ms system_clock_source::now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const clock_source& system_clock() {
  static const system_clock_source instance;
  return instance;
}

std::string format_time(time_ms t) {
  if (t == 0)
    return {};
  std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm local{};
  localtime_r(&secs, &local);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S%z", &local);
  return buf;
}

std::string format_age(time_ms duration) {
  if (duration < 0)
    duration = 0;
  int64_t s = duration / 1000;
  int64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (d > 0)
    return std::to_string(d) + "d" + (h ? std::to_string(h) + "h" : "");
  if (h > 0)
    return std::to_string(h) + "h" + (m ? std::to_string(m) + "m" : "");
  if (m > 0)
    return std::to_string(m) + "m" + (sec ? std::to_string(sec) + "s" : "");
  return std::to_string(sec) + "s";
}

} // namespace ever
