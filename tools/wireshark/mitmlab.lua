-- Wireshark dissector for the mitmlab key-exchange protocol, version 1.
-- The byte layouts are those of docs/protocol.md (§2 frames, §3 messages,
-- §4 identifiers); lib/mlab_wire.c is the reference decoder.
--
--   tshark -X lua_script:tools/wireshark/mitmlab.lua -r wire.pcap
--
-- or copy it to ~/.local/lib/wireshark/plugins/ (README, "Reading the wire in
-- Wireshark"). Everything is read from hostile bytes: every field is bounds
-- checked and a short body is reported as malformed, never a Lua error.

local mitmlab = Proto("mitmlab", "mitmlab key exchange")

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
}
mitmlab.fields = {}
for _, v in pairs(f) do
	table.insert(mitmlab.fields, v)
end

local ef_malformed = ProtoExpert.new("mitmlab.malformed", "Malformed mitmlab message", expert.group.MALFORMED,
	expert.severity.ERROR)
local ef_unknown_cipher = ProtoExpert.new("mitmlab.cipher_unknown",
	"No ServerHello seen in this conversation: record assumed AEAD", expert.group.UNDECODED, expert.severity.NOTE)
mitmlab.experts = { ef_malformed, ef_unknown_cipher }

-- Cipher per conversation, from its ServerHello: a list of {frame, cipher} per
-- conversation key, so that a later connection on the same addresses and ports
-- does not change what an earlier frame shows when it is dissected again.
local conv_cipher = {}

function mitmlab.init()
	conv_cipher = {}
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

local function list_of(r, tree, count_field, item_field, item_size, label)
	local n = r.uint(count_field, 1)
	if not n then
		return
	end
	local sub = tree:add(mitmlab, nil, label .. " (" .. n .. ")")
	for _ = 1, n do
		local range = r.take(item_size)
		if not range then
			return
		end
		sub:add(item_field, range)
	end
end

local function dissect_client_hello(r, tree)
	r.uint(f.version, 1)
	r.bytes(f.nonce, 32)
	local flags = r.take(1)
	if flags then
		local ft = tree:add(f.flags, flags)
		ft:add(f.client_auth, flags)
	end
	list_of(r, tree, f.n_modes, f.mode, 1, "Modes")
	list_of(r, tree, f.n_groups, f.group, 2, "Groups")
	list_of(r, tree, f.n_ciphers, f.cipher, 1, "Ciphers")
	if not r.bad and r.off < r.len then -- the optional kinds list (§3.1)
		list_of(r, tree, f.n_kinds, f.kind, 1, "Kinds")
	end
end

local function dissect_server_hello(r, tree, pinfo)
	r.uint(f.version, 1)
	r.bytes(f.nonce, 32)
	local flags = r.take(1)
	if flags then
		local ft = tree:add(f.flags, flags)
		ft:add(f.client_auth, flags)
	end
	r.uint(f.mode, 1)
	r.uint(f.group, 2)
	local cipher = r.uint(f.cipher, 1)
	if cipher then
		remember_cipher(pinfo, cipher)
	end
	if not r.bad and r.off < r.len then -- the optional kind byte (§3.2)
		r.uint(f.kind, 1)
	end
end

local function dissect_key_share(r, tree)
	local group = r.uint(f.group, 2)
	if group == GROUP_EXPLICIT then -- p and g travel before the share (§3.3)
		r.vec16(f.p_len, f.p)
		r.vec16(f.g_len, f.g)
	end
	r.vec16(f.share_len, f.share)
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

local function dissect_record(r, tree, body, pinfo)
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
	r.bytes(f.ciphertext, n)
	r.bytes(f.tag, 16)
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
		dissect_client_hello(r, tree)
	elseif t == 2 then
		dissect_server_hello(r, tree, pinfo)
	elseif t == 3 then
		dissect_key_share(r, tree)
	elseif t == 4 then
		dissect_signature(r, tree)
	elseif t == 5 then
		r.bytes(f.mac, 32)
	elseif t == 6 then
		dissect_record(r, tree, body, pinfo)
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

function mitmlab.dissector(tvb, pinfo, tree)
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
