// SPDX-License-Identifier: GPL-3.0-or-later
// A minimal DER (ITU-T X.690) writer and reader, enough for RSA keys.
//
// libgcrypt speaks S-expressions only, while keys travel as PEM SubjectPublicKeyInfo and
// are stored as PKCS#1 or PKCS#8. The structures involved are a handful of SEQUENCEs,
// INTEGERs, one OID, a NULL, a BIT STRING and an OCTET STRING, so a small TLV codec is
// clearer than pulling in a general ASN.1 library. The reader is bounds-checked at every
// step and never trusts a length it has not checked against the remaining input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nlchat::der {

enum Tag : uint8_t {
    kInteger = 0x02,
    kBitString = 0x03,
    kOctetString = 0x04,
    kNull = 0x05,
    kOid = 0x06,
    kSequence = 0x30,
};

// The DER encoding of the OID 1.2.840.113549.1.1.1 (rsaEncryption), content bytes only.
extern const std::string_view kRsaEncryptionOid;

// Writes one TLV with a definite, minimal length.
std::string tlv(uint8_t tag, std::string_view content);

// Reads TLVs one after another from a byte string.
class Reader {
public:
    explicit Reader(std::string_view input) : rest_(input) {}

    // Reads the next element if its tag is `tag`, setting `content` to its value bytes.
    // Returns false, consuming nothing, on a different tag or a malformed length.
    bool read(uint8_t tag, std::string_view& content);

    // Reads the next element, whatever its tag.
    bool read_any(uint8_t& tag, std::string_view& content);

    bool at_end() const { return rest_.empty(); }

private:
    std::string_view rest_;
};

}  // namespace nlchat::der
