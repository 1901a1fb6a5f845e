/* libFuzzer harness (make fuzz-wire): arbitrary bytes as the frames of the
 * per-port capture — mallory and any program in a lab host put what they like
 * on their links — through wire_notes (Ethernet, ARP, IPv4, TCP and lab frame
 * parsing) with events that exercise every comment rule, then through the
 * pcapng writer. Input: records of [port byte][u16 length][frame bytes]. The
 * share and record numbers of the events come from the input's first bytes,
 * so the fuzzer can make frames that match them. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "wire_log.h"
#include "wire_notes.h"

static const char events_text[] =
    "[{\"actor\":\"mallory\",\"event\":\"share-swapped\",\"toward\":\"bob\",\"group\":\"x25519\"},"
    "{\"actor\":\"mallory\",\"event\":\"message-changed\",\"from\":\"alice\",\"to\":\"bob\","
    "\"original_text\":\"transfer 100\",\"text\":\"transfer 9999\"},"
    "{\"actor\":\"mallory\",\"event\":\"record-replayed\",\"toward\":\"bob\",\"n\":1},"
    "{\"actor\":\"mallory\",\"event\":\"offer-stripped\",\"removed\":\"sign\",\"toward\":\"bob\"},"
    "{\"actor\":\"mallory\",\"event\":\"cert-substituted\",\"toward\":\"alice\",\"n\":1,\"replaced\":2,"
    "\"key_id\":\"ab\"},"
    "{\"actor\":\"mallory\",\"event\":\"signature-forged\",\"toward\":\"alice\",\"signer_key\":\"cd\","
    "\"scope\":\"transcript\"},"
    "{\"actor\":\"mallory\",\"event\":\"replay-start\",\"to\":\"10.0.0.20:4433\",\"frames\":3},"
    "{\"actor\":\"alice\",\"event\":\"error\",\"check\":\"signature\",\"error\":\"signature-invalid\"}]";

/* The events, with a share, the share it replaced and a record number taken
 * from the input. */
static json_t *events_for(const uint8_t *data, size_t size)
{
	char share[65] = "00", rep[65] = "01";
	for (size_t i = 0; i < 32 && i < size; i++)
		snprintf(share + 2 * i, 3, "%02x", data[i]);
	for (size_t i = 0; i + 32 < size && i < 32; i++)
		snprintf(rep + 2 * i, 3, "%02x", data[i + 32]);
	json_int_t seq = size ? data[0] % 4 : 0;
	json_t *ev = json_loads(events_text, 0, NULL);
	json_object_set_new(json_array_get(ev, 0), "share", json_string(share));
	json_object_set_new(json_array_get(ev, 0), "replaced", json_string(rep));
	json_object_set_new(json_array_get(ev, 1), "seq", json_integer(seq));
	json_object_set_new(json_array_get(ev, 2), "seq", json_integer(seq));
	return ev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_log w;
	char err[256];
	wire_log_init(&w);
	wire_log_port(&w, "alice");
	wire_log_port(&w, "bob");
	wire_log_port(&w, "mallory");
	for (size_t off = 0; off + 3 <= size;) {
		unsigned port = data[off] % 3;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		wire_log_add(&w, port, (int64_t)off, (uint32_t)len, data + off, (uint32_t)len);
		off += len;
	}
	wire_log_sort(&w);
	json_t *ev = events_for(data, size);
	char **notes = wire_notes(&w, ev);
	(void)wire_pcapng_write("/dev/null", &w, notes, err, sizeof err);
	wire_notes_free(notes, w.n);
	json_decref(ev);
	wire_log_free(&w);
	return 0;
}
