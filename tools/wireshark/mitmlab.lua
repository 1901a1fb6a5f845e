-- Wireshark dissector for the mitmlab key-exchange protocol, version 1.
-- The byte layouts are those of docs/protocol.md (§2 frames, §3 messages,
-- §4 identifiers); lib/mlab_wire.c is the reference decoder.
--
--   tshark -X lua_script:tools/wireshark/mitmlab.lua -r wire.pcap
--
-- or copy it to ~/.local/lib/wireshark/plugins/ (README, "Reading the wire in
-- Wireshark"). Everything is read from hostile bytes: every field is bounds
-- checked and a short body is reported as malformed, never a Lua error.
--
-- Decryption (protocol.md §12.6): the preference mitmlab.keylog_file names a
-- lab run's keys.log; each record is opened with the keys of the key log lines
-- whose nonce is that of a ClientHello seen earlier in the same TCP stream
-- (both legs of mallory's relay, which share one 4-tuple, carry alice's
-- nonce), and the one whose AEAD tag verifies gives mitmlab.plaintext and
-- mitmlab.keys_of:
--
--   tshark -X lua_script:tools/wireshark/mitmlab.lua -o tcp.analyze_sequence_numbers:FALSE \
--     -o mitmlab.keylog_file:RUN/keys.log -r RUN/wire.pcap -Y mitmlab.plaintext \
--     -T fields -e mitmlab.keys_of -e mitmlab.plaintext
--
-- The AEAD and SHA-256 come from crypto/mitmlab_crypto.so beside this script
-- (mitmlab_crypto.c, built by make; the environment variable MITMLAB_CRYPTO
-- names another path). Without it everything is still dissected and one expert
-- note says that decryption needs it. Expert infos under mitmlab.share,
-- mitmlab.params and mitmlab.downgrade flag what the capture alone shows: key
-- shares out of range or of low order, malicious generators, a ServerHello
-- choosing a group weaker than one offered, an offer changed on the way, and
-- the downgrade sentinel of §5 checked against the offers seen.

-- One copy registers: Wireshark refuses a second protocol of one name, and an
-- installed copy (make install) and a -X lua_script one can both be loaded.
-- MITMLAB_DISSECTOR names the file to use (the tests set it to the tree's
-- script, so an installed, maybe older, copy steps aside); without it the
-- first copy loaded is used and a later one says so and steps aside.
local this_file = (debug.getinfo(1, "S").source or ""):gsub("^@", "")
local wanted = os.getenv("MITMLAB_DISSECTOR")
if wanted and wanted ~= "" and wanted ~= this_file then
	return
end
local registered, mitmlab = pcall(Proto, "mitmlab", "mitmlab key exchange")
if not registered then
	io.stderr:write("mitmlab.lua: another copy of the dissector is loaded already; " .. this_file ..
		" is not used (MITMLAB_DISSECTOR=FILE chooses one)\n")
	return
end

local HDR = 5
local MAX_FRAME = 16414 -- MLAB_MAX_FRAME: 5 + 16409

-- §4.1 message types, with each type's body limit (mlab_frame_check).
local types = {
	[1] = "ClientHello",
	[2] = "ServerHello",
	[3] = "KeyShare",
	[4] = "Signature",
	[5] = "Finished",
	[6] = "Record",
	[7] = "Alert",
	[8] = "Certificate",
	[9] = "EncryptedPremaster",
}
local max_body = { 4096, 4096, 4096, 4096, 4096, 16409, 4096, 16384, 4096 }

-- §4.2 modes, §4.3 groups (lib/mlab_wire.h, lib/mlab_group.h), ciphers, §4.8 kinds.
local modes = { [1] = "none", [2] = "sign", [3] = "cert" }
local groups = {
	[0x001d] = "x25519",
	[0x0100] = "ffdhe2048",
	[0x0101] = "ffdhe3072",
	[0x0201] = "mlkem768",
	[0x11ec] = "x25519-mlkem768",
	[0xff03] = "lab-48-mlkem768 (LAB hybrid)",
	[0xfe00] = "explicit",
	[0xff00] = "lab-32 (WEAK)",
	[0xff01] = "lab-48 (WEAK)",
	[0xff02] = "lab-64-smooth (WEAK)",
}
local ciphers = { [1] = "chacha20-poly1305", [2] = "aes-256-gcm", [3] = "none" }
local kinds = { [1] = "ephemeral", [2] = "static", [3] = "transport" }
local contents = { [1] = "data", [2] = "close" }
local schemes = { [0x0807] = "ed25519" }
local CIPHER_NONE = 3
local GROUP_EXPLICIT = 0xfe00

-- Alert codes: the negated error codes of lib/mlab_err.h (MLAB_ERRORS), copied
-- from there; tests/integration/test_dissector.c checks that every name here
-- is mlab_err_name(-code).
local alert_names = {
	[1] = "truncated",
	[2] = "trailing-bytes",
	[3] = "too-long",
	[4] = "empty",
	[5] = "unknown-type",
	[6] = "bad-version",
	[7] = "bad-field",
	[8] = "eof",
	[9] = "timeout",
	[10] = "io",
	[11] = "unexpected-message",
	[12] = "already-failed",
	[13] = "no-common-mode",
	[14] = "no-common-group",
	[15] = "no-common-cipher",
	[16] = "duplicate-offer",
	[17] = "not-offered",
	[18] = "client-auth-required",
	[19] = "share-wrong-group",
	[20] = "share-length",
	[21] = "share-range",
	[22] = "share-subgroup",
	[23] = "share-low-order",
	[24] = "share-reflected",
	[25] = "signature-length",
	[26] = "signature-scheme",
	[27] = "pinned-key-mismatch",
	[28] = "signature-invalid",
	[29] = "finished-mismatch",
	[30] = "record-auth",
	[31] = "record-replay",
	[32] = "record-reorder",
	[33] = "sequence-exhausted",
	[34] = "peer-alert",
	[35] = "truncation",
	[36] = "crypto",
	[37] = "no-memory",
	[38] = "no-space",
	[39] = "bad-argument",
	[40] = "key-file",
	[41] = "no-key",
	[42] = "no-trust-anchor",
	[43] = "group-too-weak",
	[44] = "group-params-invalid",
	[45] = "downgrade-detected",
	[46] = "cert-malformed",
	[47] = "cert-chain-order",
	[48] = "cert-unknown-critical",
	[49] = "cert-issuer",
	[50] = "cert-expired",
	[51] = "cert-not-yet-valid",
	[52] = "cert-name",
	[53] = "cert-usage",
	[54] = "cert-key-mismatch",
	[55] = "tofu-changed",
	[56] = "tofu-store",
	[57] = "no-common-kind",
	[58] = "tls-failure",
	[59] = "mlkem-ek",
	[60] = "mlkem-dk",
	[61] = "mlkem-ct-length",
	[62] = "server-busy",
	[63] = "group-params-cost",
}

local f = {
	type = ProtoField.uint8("mitmlab.type", "Type", base.DEC, types),
	length = ProtoField.uint32("mitmlab.length", "Length", base.DEC),
	version = ProtoField.uint8("mitmlab.version", "Version", base.DEC),
	nonce = ProtoField.bytes("mitmlab.nonce", "Nonce"),
	flags = ProtoField.uint8("mitmlab.flags", "Flags", base.HEX),
	client_auth = ProtoField.bool("mitmlab.flags.client_auth", "Client auth", 8, nil, 0x01),
	n_modes = ProtoField.uint8("mitmlab.n_modes", "Modes offered", base.DEC),
	n_groups = ProtoField.uint8("mitmlab.n_groups", "Groups offered", base.DEC),
	n_ciphers = ProtoField.uint8("mitmlab.n_ciphers", "Ciphers offered", base.DEC),
	n_kinds = ProtoField.uint8("mitmlab.n_kinds", "Kinds offered", base.DEC),
	mode = ProtoField.uint8("mitmlab.mode", "Mode", base.DEC, modes),
	group = ProtoField.uint16("mitmlab.group", "Group", base.HEX, groups),
	cipher = ProtoField.uint8("mitmlab.cipher", "Cipher", base.DEC, ciphers),
	kind = ProtoField.uint8("mitmlab.kind", "Kind", base.DEC, kinds),
	p_len = ProtoField.uint16("mitmlab.p_len", "p length", base.DEC),
	p = ProtoField.bytes("mitmlab.p", "p"),
	g_len = ProtoField.uint16("mitmlab.g_len", "g length", base.DEC),
	g = ProtoField.bytes("mitmlab.g", "g"),
	share_len = ProtoField.uint16("mitmlab.share_len", "Share length", base.DEC),
	share = ProtoField.bytes("mitmlab.share", "Share"),
	kem_part = ProtoField.bytes("mitmlab.share_kem", "ML-KEM-768 part"),
	classical_part = ProtoField.bytes("mitmlab.share_classical", "Classical part"),
	scheme = ProtoField.uint16("mitmlab.scheme", "Scheme", base.HEX, schemes),
	pub_len = ProtoField.uint16("mitmlab.pub_len", "Key length", base.DEC),
	signer_key = ProtoField.bytes("mitmlab.signer_key", "Signer key"),
	sig_len = ProtoField.uint16("mitmlab.sig_len", "Signature length", base.DEC),
	signature = ProtoField.bytes("mitmlab.signature", "Signature"),
	cert_count = ProtoField.uint8("mitmlab.cert_count", "Certificates", base.DEC),
	cert_len = ProtoField.uint16("mitmlab.cert_len", "Certificate length", base.DEC),
	cert = ProtoField.bytes("mitmlab.cert", "Certificate (DER)"),
	premaster_len = ProtoField.uint16("mitmlab.premaster_len", "Ciphertext length", base.DEC),
	premaster = ProtoField.bytes("mitmlab.premaster", "Encrypted premaster"),
	mac = ProtoField.bytes("mitmlab.mac", "Finished MAC"),
	seq = ProtoField.uint64("mitmlab.seq", "Sequence number", base.DEC),
	ciphertext = ProtoField.bytes("mitmlab.ciphertext", "Ciphertext"),
	tag = ProtoField.bytes("mitmlab.tag", "Tag"),
	content = ProtoField.uint8("mitmlab.content", "Content type", base.DEC, contents),
	data = ProtoField.string("mitmlab.data", "Data"),
	data_bytes = ProtoField.bytes("mitmlab.data_bytes", "Data (bytes)"),
	alert = ProtoField.uint16("mitmlab.alert", "Alert", base.DEC),
	alert_name = ProtoField.string("mitmlab.alert_name", "Alert name"),
	rest = ProtoField.bytes("mitmlab.trailing", "Trailing bytes"),
	plaintext = ProtoField.string("mitmlab.plaintext", "Plaintext (decrypted)"),
	keys_of = ProtoField.string("mitmlab.keys_of", "Opened with the keys of"),
	key_id = ProtoField.string("mitmlab.key_id", "Session key id (§9.4)"),
}
mitmlab.fields = {}
for _, v in pairs(f) do
	table.insert(mitmlab.fields, v)
end

local ef_malformed = ProtoExpert.new("mitmlab.malformed", "Malformed mitmlab message", expert.group.MALFORMED,
	expert.severity.ERROR)
local ef_unknown_cipher = ProtoExpert.new("mitmlab.cipher_unknown",
	"No ServerHello seen in this conversation: record assumed AEAD", expert.group.UNDECODED, expert.severity.NOTE)
local function security(name, text, severity)
	return ProtoExpert.new(name, text, expert.group.SECURITY, severity or expert.severity.WARN)
end
local ef_no_key = ProtoExpert.new("mitmlab.decrypt.no_key", "no key in the key log opens this record",
	expert.group.DECRYPTION, expert.severity.NOTE)
local ef_no_module = ProtoExpert.new("mitmlab.decrypt.no_module",
	"Decryption needs the mitmlab_crypto module", expert.group.DECRYPTION, expert.severity.WARN)
local ef_keylog = ProtoExpert.new("mitmlab.decrypt.keylog", "Key log", expert.group.DECRYPTION,
	expert.severity.NOTE)
local ef_share_range = security("mitmlab.share.range", "Key share out of range")
local ef_share_low = security("mitmlab.share.low_order", "X25519 key share of low order")
local ef_share_length = security("mitmlab.share.length", "Key share of the wrong length for its group")
local ef_generator = security("mitmlab.params.generator", "Explicit parameters with a malicious generator")
local ef_weaker = security("mitmlab.downgrade.weaker_group", "ServerHello chose a group weaker than one offered")
local ef_offer_changed = security("mitmlab.downgrade.offer_changed",
	"ClientHello with an earlier one's nonce but another offer")
local ef_sentinel_bad = security("mitmlab.downgrade.sentinel_mismatch",
	"Downgrade sentinel does not match the offer")
local ef_sentinel = security("mitmlab.downgrade.sentinel", "Downgrade sentinel", expert.severity.NOTE)
mitmlab.experts = {
	ef_malformed, ef_unknown_cipher, ef_no_key, ef_no_module, ef_keylog, ef_share_range, ef_share_low,
	ef_share_length, ef_generator, ef_weaker, ef_offer_changed, ef_sentinel_bad, ef_sentinel,
}

mitmlab.prefs.keylog_file = Pref.string("Key log file", "",
	"A lab run's keys.log (MITMLAB_KEYS lines, docs/protocol.md §12.6): records are decrypted with its keys")

-- Limits on the key log, which is as hostile as any input: the bytes read, a
-- line's length (a real line has 294 characters), the sessions kept per
-- nonce (a relay has two) and the key log lines tried on a record whose
-- stream showed no ClientHello.
local MAX_KEYLOG = 1048576
local MAX_LINE = 512
local MAX_PER_NONCE = 8
local MAX_BLIND = 32
-- ClientHellos and explicit p kept per conversation: a hostile capture with
-- thousands in one stream costs no more than this many each.
local MAX_PER_CONV = 64

-- Cipher per conversation, from its ServerHello: a list of {frame, cipher} per
-- conversation key, so that a later connection on the same addresses and ports
-- does not change what an earlier frame shows when it is dissected again.
local conv_cipher = {}
-- ClientHellos per conversation, in frame order (see remember_hello), and the
-- explicit p of each responder KeyShare, for the initiator's share after it.
local conv_hello = {}
local conv_p = {}
-- The key log as last read (nil: read it again) and the frame of each note
-- that is said once per capture, so that a frame shows it again on every pass.
local keylog = nil
local said = {}

function mitmlab.init()
	conv_cipher = {}
	conv_hello = {}
	conv_p = {}
	keylog = nil -- a new capture, or the same one again: the file may have grown
	said = {}
end

function mitmlab.prefs_changed()
	keylog = nil
end

-- The crypto module beside this script (crypto/, which Wireshark does not scan
-- for plugins), or where MITMLAB_CRYPTO says.
local crypto, crypto_path, crypto_err
do
	local src = debug.getinfo(1, "S").source or ""
	local dir = "."
	if src:sub(1, 1) == "@" then
		dir = src:sub(2):match("^(.*)[/\\]") or "."
	end
	crypto_path = os.getenv("MITMLAB_CRYPTO") or (dir .. "/crypto/mitmlab_crypto.so")
	local open, err = package.loadlib(crypto_path, "luaopen_mitmlab_crypto")
	if open then
		local ok, mod = pcall(open)
		if ok and type(mod) == "table" and mod.aead_open and mod.sha256 then
			crypto = mod
		else
			crypto_err = tostring(mod)
		end
	else
		crypto_err = tostring(err)
	end
end

-- Byte strings: hex, numbers (big-endian, any leading zeros), and the
-- RFC 7919 and lab primes (the tests compare them with lib/mlab_group.c).
local function unhex(h)
	return (h:gsub("..", function(x)
		return string.char(tonumber(x, 16))
	end))
end

local function tohex(b)
	return (b:gsub(".", function(c)
		return string.format("%02x", c:byte())
	end))
end

local function strip(a)
	local i = 1
	while i <= #a and a:byte(i) == 0 do
		i = i + 1
	end
	return a:sub(i)
end

local function cmp_num(a, b)
	a, b = strip(a), strip(b)
	if #a ~= #b then
		return #a < #b and -1 or 1
	end
	for i = 1, #a do
		local x, y = a:byte(i), b:byte(i)
		if x ~= y then
			return x < y and -1 or 1
		end
	end
	return 0
end

-- a - 1 for a > 0 (a itself for 0)
local function minus_one(a)
	local i = #a
	while i > 0 and a:byte(i) == 0 do
		i = i - 1
	end
	if i == 0 then
		return a
	end
	return a:sub(1, i - 1) .. string.char(a:byte(i) - 1) .. string.rep("\255", #a - i)
end

local ffdhe2048_p = "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9"
	.. "7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C"
	.. "70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7"
	.. "F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF8E"
	.. "4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFF"
	.. "FFFFFFFF"
-- ffdhe3072 shares its first 1960 bits with ffdhe2048 (RFC 7919 Appendix A).
local ffdhe3072_p = ffdhe2048_p:sub(1, 490)
	.. "1FCFDCDE355B3B6519035BBC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91CAEFE1309851392"
	.. "70B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1D"
	.. "BF9A42D5C4484E0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF"
local ff_primes = {
	[0x0100] = unhex(ffdhe2048_p),
	[0x0101] = unhex(ffdhe3072_p),
	[0xff00] = unhex("EDDB2ABF"),
	[0xff01] = unhex("D1E596348893"),
	[0xff02] = unhex("B09F2A5CCBBC08EB"),
}
-- The security levels of §4.3, for the downgrade check.
local sec_bits = { [0x001d] = 128, [0x0100] = 103, [0x0101] = 125, [0xff00] = 16, [0xff01] = 24, [0xff02] = 8,
	[0x0201] = 192, [0x11ec] = 192, [0xff03] = 192 }
-- §10.4: the key-encapsulation groups' two share forms (responder: ML-KEM
-- encapsulation key, initiator: ciphertext), then the classical part.
local kem_groups = {
	[0x0201] = { classical = nil, cl_len = 0 },
	[0x11ec] = { classical = "X25519", cl_len = 32 },
	[0xff03] = { classical = "lab-48", cl_len = 6 },
}

-- The X25519 u-coordinates of low order (RFC 7748 §6.1: the result is all
-- zero), little-endian with the top bit cleared as X25519 ignores it.
local x25519_low = {}
for name, h in pairs({
	["0"] = "0000000000000000000000000000000000000000000000000000000000000000",
	["1"] = "0100000000000000000000000000000000000000000000000000000000000000",
	["order 8"] = "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	["order 8'"] = "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	["p-1"] = "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	["p"] = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	["p+1"] = "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}) do
	x25519_low[unhex(h)] = name
end

-- The key log: MITMLAB_KEYS PARTY NONCE_C CIPHER C2S_KEY C2S_IV S2C_KEY S2C_IV KEY_ID
-- (§12.6), read whole up to MAX_KEYLOG bytes; a line that is longer than
-- MAX_LINE, has another shape, or is not hex of the right lengths is counted
-- and skipped. Sessions are kept by raw nonce, each line once.
local keylog_ciphers = { ["chacha20-poly1305"] = 1, ["aes-256-gcm"] = 2, ["none"] = CIPHER_NONE }
local X = "[0-9a-fA-F]+"
local LINE = "^MITMLAB_KEYS ([a-z]+) (" .. X .. ") ([a-z0-9-]+) (" .. X .. ") (" .. X .. ") (" .. X .. ") (" .. X
	.. ") (" .. X .. ")$"

local function parse_line(line)
	if #line > MAX_LINE then
		return nil
	end
	local party, nonce, cipher, ck, civ, sk, siv, kid = line:match(LINE)
	if not party or #party > 16 or #nonce ~= 64 or not keylog_ciphers[cipher] or #ck ~= 64 or #civ ~= 24
		or #sk ~= 64 or #siv ~= 24 or #kid ~= 8 then
		return nil
	end
	return {
		party = party,
		nonce = unhex(nonce),
		cipher = keylog_ciphers[cipher],
		c2s = { key = unhex(ck), iv = unhex(civ) },
		s2c = { key = unhex(sk), iv = unhex(siv) },
		key_id = kid:lower(),
		count = 0,
	}
end

local function read_keylog(path)
	local kl = { path = path, sessions = {}, all = {}, good = 0, bad = 0 }
	if path == "" then
		return kl
	end
	local fh, err = io.open(path, "rb")
	if not fh then
		kl.err = tostring(err)
		return kl
	end
	local data = fh:read(MAX_KEYLOG + 1) or ""
	fh:close()
	if #data > MAX_KEYLOG then
		data = data:sub(1, MAX_KEYLOG)
		kl.cut = true
	end
	local seen = {}
	local pos = 1
	while pos <= #data do
		local nl = data:find("\n", pos, true)
		local stop = nl and nl - 1 or #data
		-- never copy more than a line can be: a longer one is junk anyway
		local line = stop - pos + 1 <= MAX_LINE and data:sub(pos, stop) or nil
		pos = stop + 2
		local e = line and parse_line(line)
		if not e then
			kl.bad = kl.bad + 1
		elseif not seen[line] then
			seen[line] = true
			local list = kl.sessions[e.nonce] or {}
			kl.sessions[e.nonce] = list
			if #list < MAX_PER_NONCE then
				table.insert(list, e)
				kl.good = kl.good + 1
				if #kl.all < MAX_BLIND then
					table.insert(kl.all, e)
				end
			end
		end
	end
	return kl
end

local function current_keylog()
	local path = mitmlab.prefs.keylog_file or ""
	if not keylog or keylog.path ~= path then
		keylog = read_keylog(path)
	end
	return keylog
end

-- True on the one frame (and occurrence) of the capture that shows the note
-- `what`: the first frame of the first pass that asked, on every pass.
local function once(pinfo, what, occurrence)
	local at = pinfo.number .. ":" .. occurrence
	if said[what] == nil and not pinfo.visited then
		said[what] = at
	end
	return said[what] == at
end

local function conv_key(pinfo)
	local a = tostring(pinfo.src) .. ":" .. pinfo.src_port
	local b = tostring(pinfo.dst) .. ":" .. pinfo.dst_port
	if a > b then
		a, b = b, a
	end
	return a .. "-" .. b
end

local function cipher_for(pinfo)
	local list = conv_cipher[conv_key(pinfo)]
	local c = nil
	if list then
		for _, e in ipairs(list) do
			if e.frame <= pinfo.number then
				c = e.cipher
			end
		end
	end
	return c
end

local function remember_cipher(pinfo, cipher)
	if pinfo.visited then
		return
	end
	local k = conv_key(pinfo)
	conv_cipher[k] = conv_cipher[k] or {}
	table.insert(conv_cipher[k], { frame = pinfo.number, cipher = cipher })
end

local function endpoint(addr, port)
	return tostring(addr) .. ":" .. port
end

-- A ClientHello as the later checks need it: its frame, nonce, sender, body,
-- and group list (count and raw ids, as the downgrade sentinel hashes them).
-- Each frame is remembered once, on the first pass.
local function remember_hello(pinfo, h)
	if pinfo.visited then
		return
	end
	local k = conv_key(pinfo)
	conv_hello[k] = conv_hello[k] or {}
	local list = conv_hello[k]
	for _, e in ipairs(list) do
		if e.frame == h.frame and e.nonce == h.nonce then
			return
		end
	end
	if #list < MAX_PER_CONV then
		table.insert(list, h)
	end
end

-- The ClientHellos of this conversation up to this frame, in frame order.
local function hellos_before(pinfo)
	local out = {}
	for _, e in ipairs(conv_hello[conv_key(pinfo)] or {}) do
		if e.frame <= pinfo.number then
			table.insert(out, e)
		end
	end
	return out
end

local function remember_p(pinfo, p)
	if pinfo.visited then
		return
	end
	local k = conv_key(pinfo)
	conv_p[k] = conv_p[k] or {}
	if #conv_p[k] < MAX_PER_CONV then
		table.insert(conv_p[k], { frame = pinfo.number, p = p })
	end
end

local function p_before(pinfo)
	local p = nil
	for _, e in ipairs(conv_p[conv_key(pinfo)] or {}) do
		if e.frame <= pinfo.number then
			p = e.p
		end
	end
	return p
end

-- A bounded reader over one message body: each take returns nil (and the
-- caller stops) when the field would run past the end of the body.
local function reader(body, tree)
	local r = { off = 0, len = body:len(), bad = false }
	function r.take(n)
		if r.bad or n < 0 or r.off + n > r.len then
			r.bad = true
			return nil
		end
		local range = body(r.off, n)
		r.off = r.off + n
		return range
	end
	function r.uint(field, n)
		local range = r.take(n)
		if not range then
			return nil
		end
		tree:add(field, range)
		if n == 8 then
			return range:uint64()
		end
		return range:uint()
	end
	function r.bytes(field, n)
		if n == 0 then
			return r.off <= r.len and body(r.off, 0) or nil
		end
		local range = r.take(n)
		if range then
			tree:add(field, range)
		end
		return range
	end
	-- the raw bytes of [off, off + n) of the body, already read
	function r.raw(off, n)
		return n > 0 and body:raw(off, n) or ""
	end
	-- u16 length then that many bytes
	function r.vec16(len_field, field)
		local n = r.uint(len_field, 2)
		if not n then
			return nil
		end
		return r.bytes(field, n), n
	end
	return r
end

-- A count and that many items; the count and the items' raw bytes.
local function list_of(r, tree, count_field, item_field, item_size, label)
	local n = r.uint(count_field, 1)
	if not n then
		return
	end
	local start = r.off
	local sub = tree:add(mitmlab, nil, label .. " (" .. n .. ")")
	for _ = 1, n do
		local range = r.take(item_size)
		if not range then
			return
		end
		sub:add(item_field, range)
	end
	return n, r.raw(start, n * item_size)
end

local function group_name(id)
	return groups[id] or string.format("0x%04x", id)
end

-- The strongest group of an offer (raw u16 ids) whose level §4.3 gives.
local function strongest(ids)
	local best, best_id = nil, nil
	for i = 1, #ids - 1, 2 do
		local id = ids:byte(i) * 256 + ids:byte(i + 1)
		local b = sec_bits[id]
		if b and (not best or b > best) then
			best, best_id = b, id
		end
	end
	return best, best_id
end

local function dissect_client_hello(r, tree, pinfo, body)
	r.uint(f.version, 1)
	local nonce = r.bytes(f.nonce, 32)
	local flags = r.take(1)
	if flags then
		local ft = tree:add(f.flags, flags)
		ft:add(f.client_auth, flags)
	end
	list_of(r, tree, f.n_modes, f.mode, 1, "Modes")
	local n_groups, group_ids = list_of(r, tree, f.n_groups, f.group, 2, "Groups")
	list_of(r, tree, f.n_ciphers, f.cipher, 1, "Ciphers")
	if not r.bad and r.off < r.len then -- the optional kinds list (§3.1)
		list_of(r, tree, f.n_kinds, f.kind, 1, "Kinds")
	end
	if r.bad or not nonce or not n_groups then
		return
	end
	local h = {
		frame = pinfo.number,
		nonce = nonce:raw(),
		client = endpoint(pinfo.src, pinfo.src_port),
		body = body:raw(),
		n_groups = n_groups,
		groups = group_ids,
	}
	remember_hello(pinfo, h)
	-- mallory's relay forwards alice's hello: the same nonce with another
	-- offer is her rewriting it (the downgrade scenarios)
	for _, e in ipairs(hellos_before(pinfo)) do
		if e.frame < pinfo.number and e.nonce == h.nonce and e.body ~= h.body then
			local text = "this ClientHello has the nonce of frame " .. e.frame .. " but another offer"
			if e.groups ~= h.groups then
				text = text .. " (groups changed)"
			end
			tree:add_proto_expert_info(ef_offer_changed, text .. ": rewritten on the way")
			break
		end
	end
end

-- The sentinel of §5 in nonce_s[16..32), against each offer of this stream
-- with the session's nonce_c.
local SENTINEL_LABEL = "mitmlab v1 downgrade sentinel\0"
local SENTINEL_MARK = "DOWNGRD\1"

local function check_sentinel(tree, nonce_s, offers)
	if nonce_s:sub(25, 32) ~= SENTINEL_MARK then
		return
	end
	if not crypto then
		tree:add_proto_expert_info(ef_sentinel,
			"downgrade sentinel set; checking its digest needs the mitmlab_crypto module")
		return
	end
	local match, miss = {}, {}
	for _, h in ipairs(offers) do
		local d = crypto.sha256(SENTINEL_LABEL .. h.nonce .. string.char(h.n_groups) .. h.groups)
		if d and d:sub(1, 8) == nonce_s:sub(17, 24) then
			table.insert(match, h.frame)
		else
			table.insert(miss, h.frame)
		end
	end
	if #match == 0 then
		tree:add_proto_expert_info(ef_sentinel_bad, "downgrade sentinel: its digest matches no group offer seen in "
			.. "this stream (frame " .. table.concat(miss, ", ") .. "): the initiator aborts (downgrade-detected)")
	elseif #miss > 0 then
		tree:add_proto_expert_info(ef_sentinel_bad, "downgrade sentinel: its digest matches the offer of frame "
			.. table.concat(match, ", ") .. ", not the one of frame " .. table.concat(miss, ", ")
			.. ": the group offer was changed on the way (downgrade-detected)")
	else
		tree:add_proto_expert_info(ef_sentinel, "downgrade sentinel set and its digest matches the offer: the "
			.. "responder chose below its best from the offer as sent")
	end
end

-- A group weaker than the strongest one offered with this session's nonce
-- (every copy of the ClientHello in the stream), and the sentinel.
local function check_downgrade(tree, pinfo, nonce_s, group)
	local all = hellos_before(pinfo)
	if #all == 0 then
		return
	end
	local nonce_c = all[#all].nonce
	local offers, best, best_id, best_frame = {}, nil, nil, nil
	for _, h in ipairs(all) do
		if h.nonce == nonce_c then
			table.insert(offers, h)
			local b, id = strongest(h.groups)
			if b and (not best or b > best) then
				best, best_id, best_frame = b, id, h.frame
			end
		end
	end
	local chosen = sec_bits[group]
	if chosen and best and chosen < best then
		tree:add_proto_expert_info(ef_weaker, string.format("ServerHello chose %s (%d bits) though frame %d offered "
			.. "%s (%d bits): a downgraded offer, or a responder without the stronger group", group_name(group),
			chosen, best_frame, group_name(best_id), best))
	end
	check_sentinel(tree, nonce_s, offers)
end

local function dissect_server_hello(r, tree, pinfo)
	r.uint(f.version, 1)
	local nonce = r.bytes(f.nonce, 32)
	local flags = r.take(1)
	if flags then
		local ft = tree:add(f.flags, flags)
		ft:add(f.client_auth, flags)
	end
	r.uint(f.mode, 1)
	local group = r.uint(f.group, 2)
	local cipher = r.uint(f.cipher, 1)
	if cipher then
		remember_cipher(pinfo, cipher)
	end
	if not r.bad and r.off < r.len then -- the optional kind byte (§3.2)
		r.uint(f.kind, 1)
	end
	if nonce and group then
		check_downgrade(tree, pinfo, nonce:raw(), group)
	end
end

-- §10.2's range 2 <= y <= p-2 (and §3.3's generator 2 <= g <= p-2): what a
-- value outside it is, or nil.
local function out_of_range(y, p)
	local pm1 = minus_one(p)
	if cmp_num(y, "") == 0 then
		return "0", "the result is 0 whatever the private key"
	elseif cmp_num(y, "\1") == 0 then
		return "1", "the result is 1 whatever the private key"
	elseif cmp_num(y, pm1) == 0 then
		return "p-1", "the result is 1 or p-1: one bit of the private key decides"
	elseif cmp_num(y, p) == 0 then
		return "p", "the result is 0 whatever the private key: the secret is fixed"
	elseif cmp_num(y, p) > 0 then
		return "above p", "not a number mod p at all"
	end
	return nil
end

local function check_kem_share(tree, range, kem)
	local n = range:len()
	local form = (n == 1184 + kem.cl_len) and "ML-KEM-768 encapsulation key"
		or ((n == 1088 + kem.cl_len) and "ML-KEM-768 ciphertext") or nil
	if not form then
		tree:add_tvb_expert_info(ef_share_length, range, "share of " .. n .. " bytes: neither an ML-KEM-768 "
			.. "encapsulation key nor a ciphertext of this group (share-length, §10.4)")
		return
	end
	tree:add(f.kem_part, range:range(0, n - kem.cl_len)):set_text(form .. " (" .. (n - kem.cl_len) .. " bytes)")
	if kem.classical then
		tree:add(f.classical_part, range:range(n - kem.cl_len, kem.cl_len))
			:set_text(kem.classical .. " share (" .. kem.cl_len .. " bytes)")
	end
end

local function check_share(tree, range, group, p)
	local y = range:raw()
	if kem_groups[group] then
		check_kem_share(tree, range, kem_groups[group])
		return
	end
	if group == 0x001d then
		if #y ~= 32 then
			tree:add_tvb_expert_info(ef_share_length, range, "X25519 share of " .. #y .. " bytes, not 32")
			return
		end
		local low = x25519_low[y:sub(1, 31) .. string.char(y:byte(32) % 128)]
		if low then
			tree:add_tvb_expert_info(ef_share_low, range, "X25519 share of low order (u = " .. low .. "): the "
				.. "shared secret is all zero whatever the private key (RFC 7748 §6.1; share-low-order)")
		end
		return
	end
	if not p or cmp_num(p, "") == 0 then
		return
	end
	if #y ~= #p then
		tree:add_tvb_expert_info(ef_share_length, range, "share of " .. #y .. " bytes, p has " .. #p
			.. " (share-length)")
		return
	end
	local what, why = out_of_range(y, p)
	if what then
		tree:add_tvb_expert_info(ef_share_range, range, "key share out of range: y = " .. what .. ", outside 2..p-2: "
			.. why .. " (share-range, §10.2)")
	end
end

local function dissect_key_share(r, tree, pinfo)
	local group = r.uint(f.group, 2)
	local p = group and ff_primes[group]
	if group == GROUP_EXPLICIT then -- p and g travel before the share (§3.3)
		local pr, pn = r.vec16(f.p_len, f.p)
		local gr, gn = r.vec16(f.g_len, f.g)
		if pr and pn > 0 then
			p = pr:raw()
			remember_p(pinfo, p)
			if gr and gn > 0 and cmp_num(p, "") ~= 0 then
				local what = out_of_range(gr:raw(), p)
				if what then
					tree:add_tvb_expert_info(ef_generator, gr, "generator g = " .. what .. ", outside 2..p-2: "
						.. "every share and secret is then 0, 1 or p-1 (group-params-invalid, §3.3)")
				end
			end
		elseif pr then
			p = p_before(pinfo) -- the initiator's share: the responder's p
		end
	end
	local sr, sn = r.vec16(f.share_len, f.share)
	if not r.bad and sr and sn and sn > 0 then
		check_share(tree, sr, group, p)
	end
end

local function dissect_signature(r, tree)
	r.uint(f.scheme, 2)
	r.vec16(f.pub_len, f.signer_key)
	r.vec16(f.sig_len, f.signature)
end

local function dissect_certificate(r, tree)
	local n = r.uint(f.cert_count, 1)
	if not n then
		return
	end
	for i = 1, n do
		local len = r.uint(f.cert_len, 2)
		if not len then
			return
		end
		local der = r.take(len)
		if not der then
			return
		end
		tree:add(f.cert, der):append_text(i == 1 and " (leaf)" or "")
	end
end

-- nonce = iv XOR (0^32 || u64 seq) (§12.2)
local function record_nonce(iv, seq)
	local out = { iv:sub(1, 4) }
	for i = 1, 8 do
		out[i + 1] = string.char(bit32.bxor(iv:byte(i + 4), seq:byte(i)))
	end
	return table.concat(out)
end

-- The keys to try on a record: each key log line of each nonce this stream's
-- ClientHellos carried (latest first), with the keys of the record's direction
-- as seen from that hello's sender; a stream without a ClientHello in the
-- capture tries the first MAX_BLIND lines in both directions.
local function candidates(kl, pinfo)
	local out, seen = {}, {}
	local from = endpoint(pinfo.src, pinfo.src_port)
	local hellos = hellos_before(pinfo)
	for i = #hellos, 1, -1 do
		local h = hellos[i]
		if not seen[h.nonce] then
			seen[h.nonce] = true
			for _, e in ipairs(kl.sessions[h.nonce] or {}) do
				table.insert(out, { e = e, k = from == h.client and e.c2s or e.s2c })
			end
		end
	end
	if #hellos == 0 then
		for _, e in ipairs(kl.all) do
			table.insert(out, { e = e, k = e.c2s })
			table.insert(out, { e = e, k = e.s2c })
		end
	end
	return out
end

-- Printable text for the Info column, cut at 64 characters.
local function printable(b)
	local t = b:sub(1, 64):gsub("[^\32-\126]", ".")
	return #b > 64 and t .. "..." or t
end

local function say_keylog_state(tree, pinfo, kl, occurrence)
	if not once(pinfo, "keylog", occurrence) then
		return
	end
	if kl.err then
		tree:add_proto_expert_info(ef_keylog, "key log " .. kl.path .. " cannot be read: " .. kl.err)
	elseif kl.bad > 0 or kl.cut then
		tree:add_proto_expert_info(ef_keylog, string.format("key log %s: %d sessions read, %d malformed lines "
			.. "ignored%s", kl.path, kl.good, kl.bad, kl.cut and ", read only its first " .. MAX_KEYLOG .. " bytes"
			or ""))
	end
end

-- Opens an AEAD record with the key log: the plaintext in a tab of its own,
-- its content type, plaintext and the parties whose keys open it.
local function decrypt_record(tree, pinfo, aad, seq, ct, tag)
	local kl = current_keylog()
	if kl.path == "" then
		return
	end
	local occurrence = tohex(aad)
	say_keylog_state(tree, pinfo, kl, occurrence)
	if not crypto then
		if once(pinfo, "module", occurrence) then
			tree:add_proto_expert_info(ef_no_module, "decryption needs the mitmlab_crypto module (" .. crypto_path
				.. ": " .. tostring(crypto_err) .. "): run make, or make install")
		end
		return
	end
	local pt, opened = nil, {}
	for _, c in ipairs(candidates(kl, pinfo)) do
		if c.e.cipher ~= CIPHER_NONE then
			local p = crypto.aead_open(c.e.cipher, c.k.key, record_nonce(c.k.iv, seq), aad, ct, tag)
			if p and (pt == nil or p == pt) then
				pt = p
				table.insert(opened, c.e)
			end
		end
	end
	if not pt then
		tree:add_proto_expert_info(ef_no_key)
		return
	end
	table.sort(opened, function(a, b)
		return a.party < b.party
	end)
	local dt = ByteArray.new(pt, true):tvb("Decrypted record")
	local sub = tree:add(mitmlab, dt(), "Decrypted record")
	local parties = {}
	for _, e in ipairs(opened) do
		sub:add(f.keys_of, e.party)
		sub:add(f.key_id, e.key_id)
		table.insert(parties, e.party .. "'s")
	end
	local ct_type = dt(0, 1):uint()
	sub:add(f.content, dt(0, 1))
	if dt:len() > 1 then
		sub:add(f.plaintext, dt(1))
	end
	if ct_type == 1 then
		pinfo.cols.info:append(' "' .. printable(pt:sub(2)) .. '"')
	else
		pinfo.cols.info:append(" " .. (contents[ct_type] or ("content " .. ct_type)))
	end
	pinfo.cols.info:append(" (" .. table.concat(parties, ", ") .. " keys)")
end

local function dissect_record(r, tree, body, pinfo, hdr)
	r.uint(f.seq, 8)
	local cipher = cipher_for(pinfo)
	if r.bad then
		return
	end
	if cipher == CIPHER_NONE then
		local ct = r.uint(f.content, 1)
		if ct then
			local n = r.len - r.off
			if n > 0 then
				local d = r.take(n)
				tree:add(f.data, d)
				tree:add(f.data_bytes, d)
				pinfo.cols.info:append(' "' .. d:string() .. '"')
			end
		end
		return
	end
	if cipher == nil then
		tree:add_proto_expert_info(ef_unknown_cipher)
	end
	local n = r.len - r.off - 16
	if n < 1 then
		r.bad = true
		return
	end
	local ct = r.bytes(f.ciphertext, n)
	local tag = r.bytes(f.tag, 16)
	if ct and tag then
		local seq = body:raw(0, 8)
		decrypt_record(tree, pinfo, hdr .. seq, seq, ct:raw(), tag:raw())
	end
end

local function dissect_alert(r, tree, pinfo)
	local code = r.uint(f.alert, 2)
	if code then
		local name = alert_names[code] or "unknown-error"
		tree:add(f.alert_name, name)
		pinfo.cols.info:append(" " .. name)
	end
end

-- One whole frame: header and body.
local function dissect_frame(tvb, pinfo, root)
	pinfo.cols.protocol = "mitmlab"
	local t = tvb(0, 1):uint()
	local len = tvb(1, 4):uint()
	local name = types[t] or ("type " .. t)
	local tree = root:add(mitmlab, tvb(), "mitmlab " .. name)
	tree:add(f.type, tvb(0, 1))
	tree:add(f.length, tvb(1, 4))
	local info = tostring(pinfo.cols.info)
	if info ~= "" then
		pinfo.cols.info:append(", ")
	end
	pinfo.cols.info:append(name)
	local avail = tvb:len() - HDR
	if avail < len or not types[t] or len > max_body[t] or len == 0 then
		tree:add_proto_expert_info(ef_malformed, "bad frame header (§2) or body cut short")
		return tvb:len()
	end
	local body = tvb(HDR, len):tvb()
	local r = reader(body, tree)
	if t == 1 then
		dissect_client_hello(r, tree, pinfo, body)
	elseif t == 2 then
		dissect_server_hello(r, tree, pinfo)
	elseif t == 3 then
		dissect_key_share(r, tree, pinfo)
	elseif t == 4 then
		dissect_signature(r, tree)
	elseif t == 5 then
		r.bytes(f.mac, 32)
	elseif t == 6 then
		dissect_record(r, tree, body, pinfo, tvb:raw(0, HDR))
	elseif t == 7 then
		dissect_alert(r, tree, pinfo)
	elseif t == 8 then
		dissect_certificate(r, tree)
	elseif t == 9 then
		r.vec16(f.premaster_len, f.premaster)
	end
	if r.bad then
		tree:add_proto_expert_info(ef_malformed, "a field runs past the end of the body")
	elseif r.off < r.len then
		tree:add(f.rest, body(r.off))
		tree:add_proto_expert_info(ef_malformed, "trailing bytes after the last field")
	end
	return HDR + len
end

-- Total frame length; a header that cannot be ours consumes the rest of the
-- segment (shown as malformed) rather than making TCP wait for a huge frame.
local function frame_len(tvb, pinfo, offset)
	local t = tvb(offset, 1):uint()
	local len = tvb(offset + 1, 4):uint()
	if not types[t] or len > max_body[t] then
		return tvb:len() - offset
	end
	return HDR + len
end

-- The TLS twin (--proto tls, docs/protocol.md §16) runs on the same port: a
-- segment that starts with a TLS record header (content type 20-23, version
-- 3.x) is TLS's, handed to Wireshark's own dissector. Lab types are 1-9.
local tls_dissector = Dissector.get("tls")
local function is_tls(tvb)
	if tvb:len() < 5 then
		return false
	end
	local t, major = tvb(0, 1):uint(), tvb(1, 1):uint()
	return t >= 20 and t <= 23 and major == 3
end

function mitmlab.dissector(tvb, pinfo, tree)
	if is_tls(tvb) then
		return tls_dissector:call(tvb, pinfo, tree)
	end
	pinfo.cols.info:clear()
	dissect_tcp_pdus(tvb, tree, HDR, frame_len, dissect_frame, true)
	return tvb:len()
end

-- Heuristic: a known type and a length within that type's limit; a hello must
-- also start with version 1 and have a hello's size (§2.2 notes for dissectors).
local function heuristic(tvb, pinfo, tree)
	if tvb:len() < HDR then
		return false
	end
	local t = tvb(0, 1):uint()
	local len = tvb(1, 4):uint()
	if not types[t] or len == 0 or len > max_body[t] or HDR + len > MAX_FRAME then
		return false
	end
	if t == 1 or t == 2 then
		if len < 38 or len > 118 or (tvb:len() > HDR and tvb(HDR, 1):uint() ~= 1) then
			return false
		end
	end
	pinfo.conversation = mitmlab
	if tvb:len() < HDR + len then
		-- dissect_tcp_pdus's request for more bytes is lost when it comes from
		-- a Lua heuristic (tshark 4.0); asking directly works
		pinfo.desegment_offset = 0
		pinfo.desegment_len = HDR + len - tvb:len()
		return true
	end
	mitmlab.dissector(tvb, pinfo, tree)
	return true
end

DissectorTable.get("tcp.port"):add(4433, mitmlab)
mitmlab:register_heuristic("tcp", heuristic)
