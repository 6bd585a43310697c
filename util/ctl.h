/* SPDX-License-Identifier: MIT */
/*
 * The control channel's wire format and rendezvous (docs/control.md),
 * shared by the runtime's server (record/control.c) and the command's
 * clients (cmd/ctl.c and the commands built on it). libc only.
 *
 * A frame is an 8-byte header, then its payload:
 *
 *   byte 0     'D'
 *   byte 1     type (DFT_CTL_*)
 *   bytes 2-3  0
 *   bytes 4-7  payload length, little-endian (at most DFT_CTL_FRAME_MAX)
 *
 * Every integer on the wire has a fixed size and byte order, so a host
 * command talks to a target of any architecture (qemu-user included).
 */
#ifndef DFT_CTL_H
#define DFT_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
	DFT_CTL_REQ = 1,  /* client: VERB\0ARG1\0ARG2\0... */
	DFT_CTL_DATA = 2, /* server: output bytes (text) */
	DFT_CTL_END = 3,  /* server: status (u32 LE, 0 or an errno) + message */
};

#define DFT_CTL_FRAME_MAX (1u << 20)
/*
 * The wake-up: SIGURG (default action: ignored, so a stray one harms no
 * process) sent with sigqueue() and this value, which tells the runtime's
 * handler it is a request and not the program's own SIGURG.
 */
#define DFT_CTL_WAKE_VALUE 0x64667463 /* "dftc" */

/* The per-user directory, /tmp/dynftrace-UID, and the socket of a process
 * in it, PID.ctl. */
int dft_ctl_dir(char *buf, size_t len, uid_t uid);
int dft_ctl_path(char *buf, size_t len, uid_t uid, pid_t pid);

/* One frame; 0 or -errno (-EPIPE when the peer went away). */
int dft_ctl_send(int fd, unsigned int type, const void *buf, size_t len);
/* A request from argv; an END frame with @status and a message. */
int dft_ctl_send_req(int fd, int argc, char *const argv[]);
int dft_ctl_send_end(int fd, int status, const char *msg);
/*
 * Reads one frame into *@buf (malloc'ed, NUL-terminated after *@len bytes;
 * the caller frees it). 0, -ECONNRESET at a clean end of stream, -EPROTO
 * for a malformed frame, or -errno.
 */
int dft_ctl_recv(int fd, unsigned int *type, char **buf, size_t *len);

/*
 * The client side: connects to @pid's socket (owned by @uid). 0 or
 * -errno; -ENOENT when the process has no channel open yet.
 */
int dft_ctl_connect(pid_t pid, uid_t uid, int *fd);

#endif /* DFT_CTL_H */
