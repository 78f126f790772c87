// SPDX-License-Identifier: GPL-3.0-or-later
// A fixed RSA-2048 key for the packet fuzzer, so that the seed corpus (packets sealed to
// this key with nlchat-packet) decrypts and the fuzzer can mutate real packets. It is a
// test key, published here on purpose; it protects nothing.
#pragma once

#include <cstdlib>
#include <string>

#include "core/crypto/rsa_key.h"

namespace nlchat::fuzz {

inline constexpr const char* kFuzzKeyPem =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEogIBAAKCAQEA29PHZ3eKO0D4KVPGrMn86YANb3PuwWLrRUSZmtIkqHyjOA89\n"
    "tqkVyCmBfsi+kZF+ML3UwrfAfKReXUBizSCN9y43E8ERDjPCJj7vDDVoWeU/q0nv\n"
    "njXxrqkuJMF6KweFNY55CgTgD3cEXmEUA2J3L/xN+W4bUQtIs14dNKBswr398iq2\n"
    "pPGY//6Vhk/jpndq5N7LAguQ731ePfR5K8fB1Rwed3NO1G2UZ+xPinvcz2pvrl+S\n"
    "vrVHNQSm1sWU+T59jAPB5Dlm3KTeyLhuFV+DK9MT01IcW08AbOkAVjtxvMNFfnON\n"
    "fZzXbtJaOsRrsT58QS6YwyR1smY+7jJ2gDrn/wIDAQABAoIBAFBzLoBiwr+RtOBn\n"
    "DQgyefE4kHIwAvpaSdEVXIPJEWpqBs/e4A6HzfVtnzs3m2qpzP1ok8NZPURAYVqO\n"
    "VDpPBjWmf7imiSfh8FVP5etZZmGz4Pu+eMe1ZUgvGTiRaDT0MR+bDxgIFboDLCGg\n"
    "NJNSh10T4LN+xNeBoi8mq9iVN4iDEvb5E0VZF1Lv+Td1F1qANOwrhtIZg7YRbJSk\n"
    "FDHeJRX2EJ5N0c222NYeRf6I8kivA4/emoEcV8rnEOC1TfGgpzfz3xOj3XXhqN3P\n"
    "C+73uktVqlOQ0pBjx1dwXBLGFKBFLk/DsHxFAQ2sXWh0ILKcQYG+TZF7y5t1I+Oe\n"
    "UNJoPz0CgYEA9p5RF+CjgB4FbZ4DF9/DEpFe+PeBa+t7rAILem4GVwSaS2oCqqTC\n"
    "OCEYckeJWShLf0T0mic9fyF6aVrFmyMpFDj1PsXI3p8ndNR9EIbVU0JmyENtwwxe\n"
    "M8mu8HozmeNLwsPPda9ie8vNTNNvViEZsjEZK6EPoYFFN/Ydp+1U3y0CgYEA5DCO\n"
    "uf7yc8HQ5MFlm9RfDwr2WxU/OTsBi5LdrXJWfs9tb+QlCLb7WPqZ59oK+YOjhgDD\n"
    "B365DoZIQ49e10VKWTz+VKw7rPcczKyTbNHgp/0bAkp8TpREXvFvZybbIffgvC4a\n"
    "KqUU3RbUJ+nSU3/K1M+k5EH2+VVMj5v1/5Lhv1sCgYB91ROtajoiYa8FWk1bvhlL\n"
    "fQ8HW0oW5YUpo7V1l3P2rGuJtSJ9LSnH9+MAVE3ZRv0Wh/mCOilfl5Zc8SrIWG1a\n"
    "WyGPEN3H8U7xhoX1i8aG/+dvoS/9CG98Xxi6rK9tgpMiYkSVWJKYdclfvLYfLS5u\n"
    "RC0CnOBb2JiX0CUbjLX0VQKBgEZ+UblX72KfX38r1836H5uwEUc2Gx/9AI8zwdPR\n"
    "XLM0NWS5oE8+6Asm7+DWVUmbxyqglZ99IIJCLZThd7UdLMjAtPlHc/ANLxJzxd96\n"
    "PuLmqC9e/2PvHegOwhGlyVCHGSBJRcAi230pjkT+UQGGmwx/UTtKvZdtKIe88JQR\n"
    "tje9AoGALBre5t+7nz2kks0+x1tZvK2e6crc9O9CF4wpLKFThsb6TnYs+oKWguQs\n"
    "qgWpTp25LOSwYsFF4j8KrPuzD/0xyPiFkQtq0t4CpPL2a5hYbRf8UFsnLZpo2Vw4\n"
    "uMDZJShtVp77Orts1eT9Cu4SMGBMbQ15r77qgHCn76ZJe2HVH1c=\n"
    "-----END RSA PRIVATE KEY-----\n";

// The key above, loaded once.
inline const PrivateKey& key() {
    static const PrivateKey k = [] {
        std::string error;
        auto loaded = PrivateKey::from_pem(kFuzzKeyPem, error);
        if (!loaded) std::abort();
        return *loaded;
    }();
    return k;
}

}  // namespace nlchat::fuzz
