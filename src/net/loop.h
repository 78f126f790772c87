// SPDX-License-Identifier: GPL-3.0-or-later
// The event loop, owned by a C++ object. Programs and tests create one Loop and hand it
// to the net/ classes; only net/ sees the libuv types behind it.
#pragma once

struct uv_loop_s;

namespace nlchat::net {

class Loop {
public:
    Loop();
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    // Runs until nothing keeps the loop alive.
    void run();
    // Runs until nothing is ready, without blocking.
    void run_nowait();
    // Stops run() after the current iteration.
    void stop();
    // Closes the loop; false if handles were still open (a leak the tests catch).
    [[nodiscard]] bool close();

    uv_loop_s* raw() { return loop_; }

private:
    uv_loop_s* loop_;
    bool closed_ = false;
};

}  // namespace nlchat::net
