#!/bin/sh
# Style rules a machine can check (STYLE.md): no unchecked libc calls, every open() and
# socket() asks for O_CLOEXEC / SOCK_CLOEXEC, no exit() below main. Prints the TEST()
# harness's lines so tools/check counts it like the C tests.
src=${1:?usage: check-style.sh SRCDIR}
fail=0
check() { # NAME PATTERN [EXCLUDE-PATTERN]
    hits=$(grep -rnE "$2" "$src" --include='*.c' | grep -vE '^\S+:[0-9]+:\s*(\*|/\*)' | grep -vE "${3:-^$}")
    if [ -n "$hits" ]; then
        echo "$hits" >&2
        echo "FAIL $1"; fail=$((fail + 1))
    else
        echo "ok $1"
    fi
}
check no_unchecked_libc_calls '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|atoll|gets)\s*\('
check no_exit_below_main '\bexit\s*\(' 'main\.c:|_exit\('
check open_is_cloexec '\bopen(at)?\s*\([^;]*O_(RDONLY|WRONLY|RDWR)' 'O_CLOEXEC'
check sockets_are_cloexec '\bsocket\s*\(' 'SOCK_CLOEXEC'
if [ $fail = 0 ]; then echo "4 passed, 0 failed"; else echo "$((4 - fail)) passed, $fail failed"; exit 1; fi
