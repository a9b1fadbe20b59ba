# libetpu's toolchain layer (src/lib/toolchain: apt index, download, .deb
# extraction, runner) needs libcurl, libarchive and OpenSSL's libcrypto, all
# from Debian packages (libcurl4-openssl-dev, libarchive-dev, libssl-dev).
# Included at the end of src/CMakeLists.txt.
#
# libcurl and libarchive are loaded on first use (src/lib/toolchain/lazy.c,
# dlopen of their sonames): only their headers are needed here, so commands
# that never download or unpack (inspect, check, fix, report) do not load
# their ~40 libraries at start-up (measured: 26 ms -> 7 ms per run). Their
# run-time packages (libcurl4, libarchive13) are named in the .deb's Depends
# by cmake/packaging.cmake, since dpkg-shlibdeps cannot see a dlopen.
pkg_check_modules(CURL REQUIRED libcurl)
pkg_check_modules(LIBARCHIVE REQUIRED libarchive)
# libcrypto likewise (lazy.h): its initialisation was 84 % of the instructions
# of `etpu check --json` on a small model, which hashes nothing.
pkg_check_modules(CRYPTO REQUIRED libcrypto)
target_include_directories(etpu_toolchain PRIVATE ${CURL_INCLUDE_DIRS} ${LIBARCHIVE_INCLUDE_DIRS}
                                                 ${CRYPTO_INCLUDE_DIRS})
# The CLI reports the loaded libraries' versions (cli_version.c).
target_include_directories(etpu_lib PUBLIC ${CURL_INCLUDE_DIRS} ${LIBARCHIVE_INCLUDE_DIRS}
                                           ${CRYPTO_INCLUDE_DIRS})
target_link_libraries(etpu_lib PUBLIC ${CMAKE_DL_LIBS})

# Where the installed etpu finds its data: the Coral apt repository's archive
# key for InRelease (<datadir>/etpu/keyrings/coral-apt.gpg), when one is
# shipped (docs/toolchain.md, "Verification").
include(GNUInstallDirs)
target_compile_definitions(etpu_toolchain PRIVATE ETPU_DATA_DIR="${CMAKE_INSTALL_FULL_DATADIR}/etpu")
