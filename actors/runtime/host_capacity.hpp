#pragma once
// What this machine can offer to workers, read from the OS. Pure mechanism: /proc and /dev.

#include <cstdint>

namespace ever::runtime {

struct host_capacity {
  double cpu = 1;        ///< online cores
  int64_t memory_mb = 0; ///< MemTotal
  int64_t gpu = 0;       ///< NVIDIA devices (/dev/nvidia0, /dev/nvidia1, ...)
};

/// Reads the machine's cores, memory and GPUs.
host_capacity detect_host_capacity();

} // namespace ever::runtime
