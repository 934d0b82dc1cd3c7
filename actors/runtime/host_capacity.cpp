#include "actors/runtime/host_capacity.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace ever::runtime {

host_capacity detect_host_capacity() {
  host_capacity c;
  c.cpu = std::max(1u, std::thread::hardware_concurrency());
  std::ifstream meminfo{"/proc/meminfo"};
  std::string key;
  int64_t kb = 0;
  std::string unit;
  while (meminfo >> key >> kb >> unit)
    if (key == "MemTotal:") {
      c.memory_mb = kb / 1024;
      break;
    }
  for (int i = 0; i < 64; ++i) {
    std::error_code ec;
    if (!std::filesystem::exists("/dev/nvidia" + std::to_string(i), ec))
      break;
    ++c.gpu;
  }
  return c;
}

} // namespace ever::runtime
