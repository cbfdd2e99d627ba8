// SPDX-License-Identifier: MIT
/*
 * A program with planted uses of STATUS_BUFFER_TOO_SMALL (0xC0000023) for
 * `dxgtrace scan` (run_scan.py plant). The functions are written in
 * assembly so that each use is exactly the instruction the test expects,
 * one per class; is_too_small is left to the compiler. A byte that does not
 * decode in 64-bit mode (0x06, push es) sits between two functions: the
 * sweep must step over it and find the next function's use.
 */
#include <stdint.h>
#include <stdio.h>

__asm__(".text\n"
	".globl plant_return\n"
	".type plant_return, @function\n"
	"plant_return:\n"
	"	mov $0xC0000023, %eax\n"
	"	ret\n"
	".size plant_return, .-plant_return\n"
	".byte 0x06\n"
	".globl plant_compare\n"
	".type plant_compare, @function\n"
	"plant_compare:\n"
	"	mov %edi, %eax\n"
	"	cmp $0xC0000023, %eax\n"
	"	sete %al\n"
	"	movzbl %al, %eax\n"
	"	ret\n"
	".size plant_compare, .-plant_compare\n"
	".globl plant_store\n"
	".type plant_store, @function\n"
	"plant_store:\n"
	"	movl $0xC0000023, (%rdi)\n"
	"	ret\n"
	".size plant_store, .-plant_store\n"
	".globl plant_return64\n"
	".type plant_return64, @function\n"
	"plant_return64:\n"
	"	mov $0xFFFFFFFFC0000023, %rax\n"
	"	ret\n"
	".size plant_return64, .-plant_return64\n"
	".globl plant_other\n"
	".type plant_other, @function\n"
	"plant_other:\n"
	"	mov $0xC0000023, %ecx\n"
	"	mov %ecx, %eax\n"
	"	ret\n"
	".size plant_other, .-plant_other\n"
	".globl plant_unsuccessful\n"
	".type plant_unsuccessful, @function\n"
	"plant_unsuccessful:\n"
	"	mov $0xC0000001, %eax\n"
	"	ret\n"
	".size plant_unsuccessful, .-plant_unsuccessful\n");

int plant_return(void);
int plant_compare(uint32_t status);
void plant_store(uint32_t *where);
int64_t plant_return64(void);
int plant_other(void);
int plant_unsuccessful(void);
int is_too_small(int32_t status);

__attribute__((noinline)) int is_too_small(int32_t status)
{
	return status == (int32_t)0xC0000023;
}

int main(int argc, char **argv)
{
	uint32_t v = 0;
	(void)argv;
	plant_store(&v);
	printf("%x %d %x %d %llx %x %x\n", (unsigned)plant_return(), plant_compare(v), v,
	       is_too_small(argc), (unsigned long long)plant_return64(), (unsigned)plant_other(),
	       (unsigned)plant_unsuccessful());
	return 0;
}
