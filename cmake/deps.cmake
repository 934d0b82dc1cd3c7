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
