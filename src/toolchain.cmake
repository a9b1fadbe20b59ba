# libetpu's toolchain layer (src/lib/toolchain: apt index, download, .deb
# extraction, runner) needs libcurl, libarchive and OpenSSL's libcrypto, all
# from Debian packages (libcurl4-openssl-dev, libarchive-dev, libssl-dev).
# Included at the end of src/CMakeLists.txt.
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
target_link_libraries(etpu_lib PUBLIC PkgConfig::CURL PkgConfig::LIBARCHIVE PkgConfig::CRYPTO)
