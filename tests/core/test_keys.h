// SPDX-License-Identifier: GPL-3.0-or-later
// Keys shared by the unit tests: generated once per run (key generation takes a tenth of
// a second at 2048 bits and seconds at 4096), so each test file need not make its own.
#pragma once

#include "core/crypto/rsa_key.h"

namespace nlchat::test {

const PrivateKey& key_2048();
const PrivateKey& other_key_2048();
const PrivateKey& key_4096();

}  // namespace nlchat::test
