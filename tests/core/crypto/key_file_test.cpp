// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/crypto/key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "tests/core/test_keys.h"

using namespace nlchat;

namespace {

// A fresh temporary directory, removed with its files when the test ends.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/nlchat-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
    std::string file(const std::string& name) const { return path + "/" + name; }
};

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("a saved key pair has modes 0600 and 0644 and loads back", "[keyfile]") {
    TempDir dir;
    std::string error;
    umask(0);  // The private key must be 0600 whatever the umask allows.
    REQUIRE(save_key_pair(test::key_2048(), dir.file("id"), dir.file("id.pub"), error));
    umask(022);
    CHECK(mode_of(dir.file("id")) == 0600);
    CHECK(mode_of(dir.file("id.pub")) == 0644);
    auto priv = load_private_key(dir.file("id"), error);
    REQUIRE(priv);
    CHECK(priv->public_key() == test::key_2048().public_key());
    auto pub = load_public_key(dir.file("id.pub"), error);
    REQUIRE(pub);
    CHECK(*pub == test::key_2048().public_key());
    auto pub_from_priv = load_public_key(dir.file("id"), error);
    REQUIRE(pub_from_priv);
    CHECK(*pub_from_priv == *pub);
    // No temporary file is left behind.
    CHECK(access((dir.file("id") + ".tmp." + std::to_string(getpid())).c_str(), F_OK) != 0);
}

TEST_CASE("key file errors name the file and the reason", "[keyfile]") {
    TempDir dir;
    std::string error;
    CHECK_FALSE(load_private_key(dir.file("missing"), error));
    CHECK(error == "cannot read '" + dir.file("missing") + "': No such file or directory");

    std::ofstream(dir.file("garbage")) << "not a key\n";
    CHECK_FALSE(load_private_key(dir.file("garbage"), error));
    CHECK(error.find(dir.file("garbage")) != std::string::npos);
    CHECK(error.find("no PEM block") != std::string::npos);

    std::ofstream(dir.file("pub")) << test::key_2048().public_key().to_pem();
    CHECK_FALSE(load_private_key(dir.file("pub"), error));
    CHECK(error.find("not a private key") != std::string::npos);

    std::ofstream(dir.file("huge")) << std::string(kMaxKeyFileBytes + 1, 'x');
    CHECK_FALSE(load_public_key(dir.file("huge"), error));
    CHECK(error.find("larger than") != std::string::npos);

    CHECK_FALSE(write_file_atomic(dir.file("no/such/dir"), "x", 0600, error));
    CHECK(error.find("cannot write") != std::string::npos);
}
