/*
 * insncount.c — digitnet's instruction counter: a QEMU TCG plugin that
 * counts the guest instructions a firmware executes between two marker
 * functions, `bench_start` and `bench_end`.
 *
 * Built and run by `tools/fwcount` (see there); by hand:
 *
 *   cc -O2 -shared -fPIC -o insncount.so tools/insncount.c
 *   qemu-system-arm ... -plugin ./insncount.so,open=0x8000400,close=0x8000404,log=counts.txt
 *
 * Arguments:
 *   open=ADDR   address of bench_start's first instruction (Thumb bit ignored)
 *   close=ADDR  address of bench_end's first instruction
 *   log=PATH    where to write the counts (default: stderr)
 *
 * How it counts: when QEMU translates a block of guest code, every
 * instruction in it gets an inline "add 1" to one 64-bit counter (emitted
 * into the translated code, so it runs before the instruction, every time,
 * with no call). The instruction at `open` also gets a callback that notes
 * the counter; the one at `close` a callback that writes the difference as
 * one region. A region is thus every instruction from bench_start's first
 * up to, not including, bench_end's first: the inference plus the markers'
 * own few instructions. The count does not depend on the host's speed or
 * on timers, so the same ELF gives the same counts on every run.
 *
 * Output, one line per region, then one at exit:
 *   region 0: 12345 instructions
 *   total: 6789012 instructions, 20 regions
 *
 * Only the parts of QEMU's plugin API (version 1, as in QEMU 7.x) that are
 * used here are declared, so no QEMU headers are needed to build it.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the plugin API, as far as used ---------------------------------- */
typedef uint64_t qemu_plugin_id_t;
struct qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(
    qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
                                    void (*cb)(qemu_plugin_id_t, void *),
                                    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
                                                 size_t index);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
                                                enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            void (*cb)(unsigned int, void *),
                                            enum qemu_plugin_cb_flags flags,
                                            void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* ---- state ------------------------------------------------------------ */
static uint64_t executed;          /* instructions so far (inline add) */
static uint64_t open_pc = UINT64_MAX, close_pc = UINT64_MAX;
static uint64_t opened_at;         /* `executed` when the region opened */
static int region_open;
static uint64_t regions, stray_closes, reopens;
static FILE *log_file;

static void on_open(unsigned int cpu, void *unused)
{
    (void)cpu;
    (void)unused;
    if (region_open) {
        reopens++;
    }
    region_open = 1;
    opened_at = executed;
}

static void on_close(unsigned int cpu, void *unused)
{
    (void)cpu;
    (void)unused;
    if (!region_open) {
        stray_closes++;
        return;
    }
    region_open = 0;
    fprintf(log_file, "region %" PRIu64 ": %" PRIu64 " instructions\n", regions,
            executed - opened_at);
    fflush(log_file);
    regions++;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    for (size_t i = 0, n = qemu_plugin_tb_n_insns(tb); i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        /* Callbacks first: they run before this instruction is counted. */
        if (pc == open_pc) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_open,
                                                   QEMU_PLUGIN_CB_NO_REGS, NULL);
        } else if (pc == close_pc) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_close,
                                                   QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                   &executed, 1);
    }
}

static void at_quit(qemu_plugin_id_t id, void *unused)
{
    (void)id;
    (void)unused;
    fprintf(log_file, "total: %" PRIu64 " instructions, %" PRIu64 " regions", executed,
            regions);
    if (region_open || stray_closes || reopens) {
        fprintf(log_file, " (unbalanced markers: %s%" PRIu64 " stray ends, %" PRIu64
                " restarts)", region_open ? "one left open, " : "", stray_closes, reopens);
    }
    fputc('\n', log_file);
    fflush(log_file);
}

/* Parses `key=value` into *out if `arg` starts with `key=`; 1 if it did. */
static int address_arg(const char *arg, const char *key, uint64_t *out)
{
    size_t n = strlen(key);
    if (strncmp(arg, key, n) != 0 || arg[n] != '=') {
        return 0;
    }
    char *end = NULL;
    *out = strtoull(arg + n + 1, &end, 0) & ~(uint64_t)1; /* Thumb bit */
    return end != arg + n + 1 && *end == '\0' ? 1 : -1;
}

__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
                    char **argv)
{
    (void)info;
    log_file = stderr;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        int r;
        if ((r = address_arg(arg, "open", &open_pc)) || (r = address_arg(arg, "close", &close_pc))) {
            if (r < 0) {
                fprintf(stderr, "insncount: not an address: %s\n", arg);
                return -1;
            }
        } else if (strncmp(arg, "log=", 4) == 0) {
            log_file = fopen(arg + 4, "w");
            if (log_file == NULL) {
                fprintf(stderr, "insncount: cannot write %s\n", arg + 4);
                return -1;
            }
        } else {
            fprintf(stderr, "insncount: unknown argument %s (open=, close=, log=)\n", arg);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_quit, NULL);
    return 0;
}
