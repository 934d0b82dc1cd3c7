#include "storage/faulty_store.hpp"

#include <thread>

namespace ever::storage {

faulty_store::faulty_store(std::shared_ptr<store> inner) : inner_(std::move(inner)) {}

void faulty_store::fail_writes(errc code) {
  std::lock_guard<std::mutex> guard{mtx_};
  successes_left_.reset();
  if (code == errc::ok)
    failing_.reset();
  else
    failing_ = code;
}

void faulty_store::fail_after(uint64_t n, errc code) {
  std::lock_guard<std::mutex> guard{mtx_};
  failing_.reset();
  successes_left_ = n;
  fail_after_code_ = code;
}

void faulty_store::heal() {
  std::lock_guard<std::mutex> guard{mtx_};
  failing_.reset();
  successes_left_.reset();
}

void faulty_store::set_write_latency(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> guard{mtx_};
  latency_ = d;
}

uint64_t faulty_store::writes_attempted() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return attempted_;
}

uint64_t faulty_store::writes_failed() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return failed_;
}

caf::error faulty_store::write(const write_batch& batch, durability d) {
  std::optional<errc> fault;
  std::chrono::milliseconds latency;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    ++attempted_;
    if (successes_left_) {
      if (*successes_left_ == 0)
        failing_ = fail_after_code_; // the countdown ran out: fail from now on
      else
        --*successes_left_;
    }
    fault = failing_;
    latency = latency_;
  }
  // Sleep outside the lock so a slow write does not block reads, switches or other writers.
  if (latency.count() > 0)
    std::this_thread::sleep_for(latency);
  caf::error result = fault ? make_error(*fault, "injected write fault")
                            : inner_->write(batch, d);
  if (result) {
    std::lock_guard<std::mutex> guard{mtx_};
    ++failed_;
  }
  return result;
}

expected<std::optional<std::string>> faulty_store::get(table t, std::string_view key) {
  return inner_->get(t, key);
}

caf::error faulty_store::scan(table t, std::string_view prefix, const scan_fn& fn) {
  return inner_->scan(t, prefix, fn);
}

} // namespace ever::storage
