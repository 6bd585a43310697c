/*
 * The floor of a function tracer on x86-64 (issue 10): the `call
 * __fentry__` of gcc -pg -mfentry lands here; we save the six argument
 * registers, call a C handler with (ip, parent ip) and restore them. The
 * handler (floor_ring.c) reads the TSC and stores a 16-byte event into a
 * ring: no id, no thread, no file, no recursion guard.
 */
	.text
	.globl __fentry__
	.type __fentry__, @function
	.p2align 4
__fentry__:
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %r8
	pushq %r9
	movq 48(%rsp), %rdi
	movq 56(%rsp), %rsi
	call floor_event
	popq %r9
	popq %r8
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
	ret
	.size __fentry__, .-__fentry__
	.section .note.GNU-stack,"",@progbits
