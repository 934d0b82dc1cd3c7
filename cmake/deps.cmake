# Third-party dependencies, all from Debian bookworm packages (see scripts/install-deps.sh).
find_package(Threads REQUIRED)

# CAF 0.17 ships neither a CMake config nor a .pc file: define imported targets by hand.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIB caf_core REQUIRED)
find_library(CAF_IO_LIB caf_io REQUIRED)
add_library(CAF::core SHARED IMPORTED)
set_target_properties(CAF::core PROPERTIES IMPORTED_LOCATION ${CAF_CORE_LIB}
  INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR} INTERFACE_LINK_LIBRARIES Threads::Threads)
add_library(CAF::io SHARED IMPORTED)
set_target_properties(CAF::io PROPERTIES IMPORTED_LOCATION ${CAF_IO_LIB}
  INTERFACE_LINK_LIBRARIES CAF::core)

find_package(RocksDB CONFIG REQUIRED)      # RocksDB::rocksdb-shared
find_package(msgpack CONFIG REQUIRED)      # msgpackc-cxx
find_package(Catch2 2 REQUIRED)            # Catch2::Catch2WithMain
find_package(Boost 1.74 REQUIRED)          # Boost::boost (Asio/Beast, header-only)
find_package(yaml-cpp REQUIRED)            # yaml-cpp
find_package(nlohmann_json 3 REQUIRED)     # nlohmann_json::nlohmann_json
find_package(OpenSSL REQUIRED)             # OpenSSL::Crypto (SHA-256 for token hashes)
# CAF's TLS transport for the cluster link (libcaf-dev ships libcaf_openssl.so, built on OpenSSL 3).
find_library(CAF_OPENSSL_LIB caf_openssl REQUIRED)
add_library(CAF::openssl SHARED IMPORTED)
set_target_properties(CAF::openssl PROPERTIES IMPORTED_LOCATION ${CAF_OPENSSL_LIB}
  INTERFACE_LINK_LIBRARIES "CAF::io;OpenSSL::SSL")

# The daemon's allocator: gperftools' tcmalloc (Debian's libtcmalloc-minimal4, runtime library
# only, hence the versioned name). glibc's malloc was ~25 % of everd's CPU at a 100,000-worker
# restart (docs/decisions/0006-tcmalloc.md). Linked only into everd and the benchmarks that
# stand in for it; without the package they keep glibc's malloc.
find_library(EVER_TCMALLOC_LIB NAMES tcmalloc_minimal libtcmalloc_minimal.so.4)
add_library(ever_allocator INTERFACE)
if(EVER_TCMALLOC_LIB)
  # --no-as-needed: nothing calls tcmalloc by name; it replaces malloc by being loaded first.
  target_link_libraries(ever_allocator INTERFACE -Wl,--no-as-needed ${EVER_TCMALLOC_LIB}
    -Wl,--as-needed)
else()
  message(STATUS "tcmalloc not found (apt-get install libtcmalloc-minimal4): glibc malloc")
endif()
