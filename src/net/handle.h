// SPDX-License-Identifier: GPL-3.0-or-later
// Ownership of libuv handles from C++ objects.
//
// libuv frees nothing itself and a handle's memory must stay valid until its close
// callback has run, which is after the C++ object that used it may be gone. So handles
// are allocated here and released by close_and_free(), which closes the handle and frees
// the memory in the close callback; the owner clears handle->data first, so a callback
// that libuv still delivers (a cancelled write, say) can tell that nobody is listening.
#pragma once

#include <uv.h>

namespace nlchat::net {

// Memory for any stream handle (TCP, pipe or TTY), to be initialised by the caller.
uv_stream_t* new_stream_storage();

template <class T> T* new_handle() { return reinterpret_cast<T*>(new_stream_storage()); }

// Detaches the handle from its owner and closes it; its memory is freed once libuv is
// done with it. Safe on a handle that is already closing.
void close_and_free(uv_handle_t* handle);

template <class T> void close_and_free(T* handle) { close_and_free(reinterpret_cast<uv_handle_t*>(handle)); }

// For the libuv calls that fail only when the program misuses them (initialising a timer,
// starting one on a live handle, reading from a stream that is not closing): such a
// failure is a bug in nlchat, so it is reported with the call's name and libuv's words and
// the program stops, rather than carrying on with a handle in an unknown state. Calls that
// can fail for reasons outside the program (binding, connecting, a bad descriptor) are
// checked where they are made and reported to the user instead.
void uv_must(int rc, const char* call);

}  // namespace nlchat::net
