-- pfsync.lua - Wireshark/tshark dissector for pfsync protocol version 3
-- (NetBSD pfsync(4), OpenBSD 4.1/4.2), the protocol pfsyncd speaks.
--
--   tshark -X lua_script:pfsync.lua -r capture.pcap -V
--   or copy it to ~/.local/lib/wireshark/plugins/ (Wireshark loads it)
--
-- Registered for IP protocol 240 (any IPv4 capture: Ethernet, raw IP,
-- Linux "any") and for pcap files of link type 246 (LINKTYPE_PFSYNC, as
-- pfsyncd's `capture` file and BSD bpf on pfsync0 write them): Wireshark
-- 4.0 does not know that link type, so a small file reader below opens
-- such files and hands their packets to this dissector (wtap encap
-- USER15).
--
-- The text follows `pfsyncctl decode -v`: the Info column is its first
-- line ("PFSYNC INS ST:", "[|pfsync]", "PFSYNCv4 (unknown version)"),
-- each full state has pfctl's state line in pfsync.state.line, ids and
-- creator ids are hex.  Wire layout: /usr/share/doc/pfsyncd (pfsync v3
-- reference): a 20-byte header (version, af, action, count, 16-byte
-- ruleset digest), then `count` records of one action (CLR and BUS: one
-- record, count 0).  All multi-byte fields are big-endian.  Malformed
-- packets get expert info, never a Lua error.

-- Loaded once: the Debian package links this file into Wireshark's Lua
-- plugin folder, and `-X lua_script:` may name it again.
if pfsyncd_dissector_loaded then
	return
end
pfsyncd_dissector_loaded = true

local pfsync = Proto("pfsync", "pfsync v3 (pf state synchronisation)")

local HDR_LEN = 20

local actions = {
	[0] = "CLR ST", [1] = "INS ST", [2] = "UPD ST", [3] = "DEL ST",
	[4] = "UPD ST COMP", [5] = "DEL ST COMP", [6] = "INS FR",
	[7] = "DEL FR", [8] = "UPD REQ", [9] = "BLK UPD STAT",
	[10] = "TDB UPD",
}
-- bytes per record; INS_F/DEL_F carry none
local reclen = {
	[0] = 24, [1] = 240, [2] = 240, [3] = 240, [4] = 88, [5] = 16,
	[6] = 0, [7] = 0, [8] = 16, [9] = 16, [10] = 48,
}
local single = { [0] = true, [9] = true } -- CLR, BUS: one record

local tcp_names = {
	[0] = "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
	"CLOSE_WAIT", "FIN_WAIT_1", "CLOSING", "LAST_ACK", "FIN_WAIT_2",
	"TIME_WAIT",
}
local udp_names = { [0] = "NO_TRAFFIC", "SINGLE", "MULTIPLE" }
local proto_names = {
	[1] = "icmp", [2] = "igmp", [6] = "tcp", [17] = "udp", [47] = "gre",
	[50] = "esp", [51] = "ah", [58] = "ipv6-icmp", [103] = "pim",
	[112] = "carp", [132] = "sctp", [240] = "pfsync",
}
local wire_af = { [2] = "inet", [24] = "inet6" }
local directions = { [0] = "inout", [1] = "in", [2] = "out" }
local timeouts = {
	[0] = "tcp.first", "tcp.opening", "tcp.established", "tcp.closing",
	"tcp.finwait", "tcp.closed", "udp.first", "udp.single",
	"udp.multiple", "icmp.first", "icmp.error", "other.first",
	"other.single", "other.multiple", "frag", "interval",
	"adaptive.start", "adaptive.end", "src.track", "ts.diff",
}
-- 0x82: a pfsyncd responder that is not synced itself ends its walk with
-- it (pfsyncd(8)); the BSDs ignore it
local bus_status = { [1] = "start", [2] = "end", [0x82] = "end-unsynced" }

local F = ProtoField
local f = {
	version = F.uint8("pfsync.version", "Version"),
	af = F.uint8("pfsync.af", "Address family (unused)"),
	action = F.uint8("pfsync.action", "Action", base.DEC, actions),
	count = F.uint8("pfsync.count", "Count"),
	chksum = F.bytes("pfsync.chksum", "Ruleset digest (MD5)"),
	id = F.uint64("pfsync.id", "State id", base.HEX),
	creatorid = F.uint32("pfsync.creatorid", "Creator id", base.HEX),
	ifname = F.string("pfsync.ifname", "Interface"),
	line = F.string("pfsync.state.line", "State"),
	rt_addr = F.bytes("pfsync.rt_addr", "Route-to address"),
	rule = F.uint32("pfsync.rule", "Rule"),
	anchor = F.uint32("pfsync.anchor", "Anchor"),
	nat_rule = F.uint32("pfsync.nat_rule", "NAT rule"),
	creation = F.uint32("pfsync.creation", "Age (s)"),
	expire = F.uint32("pfsync.expire", "Expire (s)"),
	packets = F.uint64("pfsync.packets", "Packets"),
	bytes = F.uint64("pfsync.bytes", "Bytes"),
	st_af = F.uint8("pfsync.state.af", "Address family", base.DEC,
			wire_af),
	proto = F.uint8("pfsync.proto", "Protocol", base.DEC, proto_names),
	direction = F.uint8("pfsync.direction", "Direction", base.DEC,
			    directions),
	log = F.uint8("pfsync.log", "Log"),
	allow_opts = F.uint8("pfsync.allow_opts", "Allow options"),
	timeout = F.uint8("pfsync.timeout", "Timeout class", base.DEC,
			  timeouts),
	sync_flags = F.uint8("pfsync.sync_flags", "Sync flags", base.HEX),
	updates = F.uint8("pfsync.updates", "Updates"),
	addr = F.ipv4("pfsync.addr", "Address"),
	addr6 = F.ipv6("pfsync.addr6", "Address"),
	port = F.uint16("pfsync.port", "Port"),
	seqlo = F.uint32("pfsync.seqlo", "Sequence low"),
	seqhi = F.uint32("pfsync.seqhi", "Sequence high"),
	seqdiff = F.uint32("pfsync.seqdiff", "Sequence modulator"),
	max_win = F.uint16("pfsync.max_win", "Max window"),
	mss = F.uint16("pfsync.mss", "MSS"),
	pstate = F.uint8("pfsync.peer_state", "Peer state"),
	wscale = F.uint8("pfsync.wscale", "Window scale", base.HEX),
	scrub_flags = F.uint16("pfsync.scrub.flags", "Scrub flags", base.HEX),
	scrub_ttl = F.uint8("pfsync.scrub.ttl", "Scrub TTL"),
	scrub_flag = F.uint8("pfsync.scrub.valid", "Scrub valid"),
	scrub_ts_mod = F.uint32("pfsync.scrub.ts_mod", "Timestamp modulator"),
	src_state = F.uint8("pfsync.src_state", "Source peer state"),
	dst_state = F.uint8("pfsync.dst_state", "Destination peer state"),
	endtime = F.uint32("pfsync.bus.endtime", "Seconds since request"),
	status = F.uint8("pfsync.bus.status", "Status", base.DEC, bus_status),
	spi = F.uint32("pfsync.tdb.spi", "SPI", base.HEX),
	tdb_dst = F.bytes("pfsync.tdb.dst", "Destination (sockaddr)"),
	rpl = F.uint32("pfsync.tdb.rpl", "Replay counter"),
	cur_bytes = F.uint64("pfsync.tdb.cur_bytes", "Bytes"),
	sproto = F.uint8("pfsync.tdb.sproto", "Security protocol"),
	pad = F.bytes("pfsync.pad", "Padding"),
}
local flist = {}
for _, v in pairs(f) do
	flist[#flist + 1] = v
end
pfsync.fields = flist

local e_short = ProtoExpert.new("pfsync.short", "Shorter than the header",
	expert.group.MALFORMED, expert.severity.ERROR)
local e_version = ProtoExpert.new("pfsync.bad_version", "Not version 3",
	expert.group.MALFORMED, expert.severity.ERROR)
local e_action = ProtoExpert.new("pfsync.bad_action", "Unknown action",
	expert.group.MALFORMED, expert.severity.ERROR)
local e_badlen = ProtoExpert.new("pfsync.bad_len",
	"Payload shorter than count records", expert.group.MALFORMED,
	expert.severity.ERROR)
pfsync.experts = { e_short, e_version, e_action, e_badlen }

-- --- the pfctl state line (as lib/format.c prints it) ----------------------

-- Interface name: up to IFNAMSIZ - 1 = 15 bytes (the decoder keeps a NUL
-- in the 16), to the first NUL, unprintables as "?".
local function ifname_text(r)
	local s = {}
	for i = 0, 14 do
		local c = r:range(i, 1):uint()
		if c == 0 then
			break
		end
		s[#s + 1] = (c >= 0x20 and c < 0x7f) and string.char(c) or "?"
	end
	return table.concat(s)
end

local function host_text(r, af)
	local port = r:range(16, 2):uint()
	local a
	if af == 2 then
		a = tostring(r:range(0, 4):ipv4())
	elseif af == 24 then
		a = "[" .. tostring(r:range(0, 16):ipv6()) .. "]"
	else
		a = string.format("<af %u>", af) -- the wire value, as decode shows
	end
	if port ~= 0 then
		a = a .. ":" .. port
	end
	return a
end

local function levels_text(proto, s, d)
	if proto == 6 then
		if s <= 10 and d <= 10 then
			return tcp_names[s] .. ":" .. tcp_names[d]
		elseif s == 11 or d == 11 then
			return "PROXY:SRC"
		elseif s == 12 or d == 12 then
			return "PROXY:DST"
		end
		return string.format("<BAD STATE LEVELS %u:%u>", s, d)
	end
	if proto ~= 1 and s <= 2 and d <= 2 then
		return udp_names[s] .. ":" .. udp_names[d]
	end
	return string.format("%u:%u", s, d)
end

-- lan [-> gwy] -> ext (out) or lan [<- gwy] <- ext (in), then the peers'
-- levels in the order the hosts are printed.
local function state_line(r)
	local af = r:range(232, 1):uint()
	local proto = r:range(233, 1):uint()
	local out = r:range(234, 1):uint() == 2
	local arrow = out and " -> " or " <- "
	local ifn = ifname_text(r:range(8, 16))
	local p = {
		ifn ~= "" and ifn or "all", " ",
		proto_names[proto] or tostring(proto), " ",
		host_text(r:range(24, 24), af),
	}
	if r:range(24, 18):bytes():tohex() ~= r:range(48, 18):bytes():tohex() then
		p[#p + 1] = arrow .. host_text(r:range(48, 24), af)
	end
	p[#p + 1] = arrow .. host_text(r:range(72, 24), af)
	local s, d = r:range(96 + 24, 1):uint(), r:range(128 + 24, 1):uint()
	if not out then
		s, d = d, s
	end
	p[#p + 1] = "       " .. levels_text(proto, s, d)
	-- values pf does not have, flagged as decode flags them
	local dir, tmo = r:range(234, 1):uint(), r:range(237, 1):uint()
	if dir > 2 then
		p[#p + 1] = string.format(" <BAD DIRECTION %u>", dir)
	end
	if tmo >= 20 then
		p[#p + 1] = string.format(" <BAD TIMEOUT %u>", tmo)
	end
	return table.concat(p)
end

-- --- record dissectors ----------------------------------------------------

local function add_host(tree, r, name, af)
	local t = tree:add(r, name .. ": " .. host_text(r, af))
	if af == 24 then
		t:add(f.addr6, r:range(0, 16))
	else
		t:add(f.addr, r:range(0, 4))
	end
	t:add(f.port, r:range(16, 2))
	t:add(f.pad, r:range(18, 6))
end

local function add_peer(tree, r, name, proto)
	local st = r:range(24, 1):uint()
	local n = proto == 6 and (tcp_names[st] or tostring(st))
		or (udp_names[st] or tostring(st))
	local t = tree:add(r, name .. ": " .. n)
	t:add(f.scrub_flags, r:range(0, 2))
	t:add(f.scrub_ttl, r:range(2, 1))
	t:add(f.scrub_flag, r:range(3, 1))
	t:add(f.scrub_ts_mod, r:range(4, 4))
	t:add(f.seqlo, r:range(8, 4))
	t:add(f.seqhi, r:range(12, 4))
	t:add(f.seqdiff, r:range(16, 4))
	t:add(f.max_win, r:range(20, 2))
	t:add(f.mss, r:range(22, 2))
	t:add(f.pstate, r:range(24, 1)):append_text(" (" .. n .. ")")
	t:add(f.wscale, r:range(25, 1))
	t:add(f.pad, r:range(26, 6))
end

local function add_id(tree, r)
	tree:add(f.id, r:range(0, 8))
end

local function rec_state(tree, r)
	local line = state_line(r)
	local proto = r:range(233, 1):uint()
	local af = r:range(232, 1):uint()
	local t = tree:add(r, "State: " .. line)
	t:add(f.line, r, line)
	add_id(t, r)
	t:add(f.ifname, r:range(8, 16), ifname_text(r:range(8, 16)))
	add_host(t, r:range(24, 24), "lan", af)
	add_host(t, r:range(48, 24), "gwy", af)
	add_host(t, r:range(72, 24), "ext", af)
	add_peer(t, r:range(96, 32), "src", proto)
	add_peer(t, r:range(128, 32), "dst", proto)
	t:add(f.rt_addr, r:range(160, 16))
	t:add(f.rule, r:range(176, 4))
	t:add(f.anchor, r:range(180, 4))
	t:add(f.nat_rule, r:range(184, 4))
	t:add(f.creation, r:range(188, 4))
	t:add(f.expire, r:range(192, 4))
	t:add(f.packets, r:range(196, 8))
	t:add(f.packets, r:range(204, 8))
	t:add(f.bytes, r:range(212, 8))
	t:add(f.bytes, r:range(220, 8))
	t:add(f.creatorid, r:range(228, 4))
	t:add(f.st_af, r:range(232, 1))
	t:add(f.proto, r:range(233, 1))
	t:add(f.direction, r:range(234, 1))
	t:add(f.log, r:range(235, 1))
	t:add(f.allow_opts, r:range(236, 1))
	t:add(f.timeout, r:range(237, 1))
	t:add(f.sync_flags, r:range(238, 1))
	t:add(f.updates, r:range(239, 1))
end

local function id_text(r, at)
	return string.format("id: %s creatorid: %08x",
		r:range(0, 8):uint64():tohex(), r:range(at, 4):uint())
end

local function rec_upd_c(tree, r)
	local t = tree:add(r, "Update: " .. id_text(r, 72))
	add_id(t, r)
	add_peer(t, r:range(8, 32), "src", 6)
	add_peer(t, r:range(40, 32), "dst", 6)
	t:add(f.creatorid, r:range(72, 4))
	t:add(f.expire, r:range(76, 4))
	t:add(f.timeout, r:range(80, 1))
	t:add(f.updates, r:range(81, 1))
	t:add(f.pad, r:range(82, 6))
end

local function rec_del_c(tree, r)
	local t = tree:add(r, "Delete: " .. id_text(r, 8))
	add_id(t, r)
	t:add(f.creatorid, r:range(8, 4))
	t:add(f.src_state, r:range(12, 1))
	t:add(f.dst_state, r:range(13, 1))
	t:add(f.pad, r:range(14, 2))
end

local function rec_ureq(tree, r)
	local t = tree:add(r, "Request: " .. id_text(r, 8))
	add_id(t, r)
	t:add(f.creatorid, r:range(8, 4))
	t:add(f.pad, r:range(12, 4))
end

local function rec_clr(tree, r)
	local ifn = ifname_text(r:range(0, 16))
	local text = string.format("creatorid: %08x", r:range(16, 4):uint())
	if ifn ~= "" then
		text = text .. " interface: " .. ifn
	end
	local t = tree:add(r, "Clear: " .. text)
	t:add(f.ifname, r:range(0, 16), ifn)
	t:add(f.creatorid, r:range(16, 4))
	t:add(f.pad, r:range(20, 4))
end

local function rec_bus(tree, r)
	local secs = r:range(4, 4):uint()
	local st = r:range(8, 1):uint()
	local text = string.format("creatorid: %08x age %02u:%02u:%02u status: %s",
		r:range(0, 4):uint(), math.floor(secs / 3600),
		math.floor(secs / 60) % 60, secs % 60,
		bus_status[st] or tostring(st))
	local t = tree:add(r, "Bulk update status: " .. text)
	t:add(f.creatorid, r:range(0, 4))
	t:add(f.endtime, r:range(4, 4))
	t:add(f.status, r:range(8, 1))
	t:add(f.pad, r:range(9, 7))
end

local function rec_tdb(tree, r)
	local t = tree:add(r, string.format("TDB: spi %08x",
		r:range(0, 4):uint()))
	t:add(f.spi, r:range(0, 4))
	t:add(f.tdb_dst, r:range(4, 28))
	t:add(f.rpl, r:range(32, 4))
	t:add(f.cur_bytes, r:range(36, 8))
	t:add(f.sproto, r:range(44, 1))
	t:add(f.updates, r:range(45, 1))
	t:add(f.pad, r:range(46, 2))
end

local records = {
	[0] = rec_clr, [1] = rec_state, [2] = rec_state, [3] = rec_state,
	[4] = rec_upd_c, [5] = rec_del_c, [8] = rec_ureq, [9] = rec_bus,
	[10] = rec_tdb,
}

-- --- the packet -----------------------------------------------------------

local function add_header(tree, tvb)
	tree:add(f.version, tvb:range(0, 1))
	tree:add(f.af, tvb:range(1, 1))
	tree:add(f.action, tvb:range(2, 1))
	tree:add(f.count, tvb:range(3, 1))
	tree:add(f.chksum, tvb:range(4, 16))
end

function pfsync.dissector(tvb, pinfo, root)
	local len = tvb:len()
	pinfo.cols.protocol = "PFSYNC"
	local tree = root:add(pfsync, tvb:range(0, len))
	-- the version byte first, as decode picks its printer by it;
	-- FreeBSD v5 and OpenBSD v6 are decode's alone
	if len >= 1 and tvb:range(0, 1):uint() ~= 3 then
		pinfo.cols.info = string.format(
			"PFSYNCv%u (unknown version)", tvb:range(0, 1):uint())
		tree:add(f.version, tvb:range(0, 1))
		tree:add_proto_expert_info(e_version)
		return len
	end
	if len < HDR_LEN then
		pinfo.cols.info = "[|pfsync]"
		tree:add_proto_expert_info(e_short)
		return len
	end
	add_header(tree, tvb)
	local action = tvb:range(2, 1):uint()
	local count = tvb:range(3, 1):uint()
	if actions[action] == nil then
		pinfo.cols.info = string.format(
			"PFSYNC: bad header (action %u)", action)
		tree:add_proto_expert_info(e_action)
		return len
	end
	local rl = reclen[action]
	local want = single[action] and 1 or count
	if rl == 0 then
		want = 0
	end
	local n = want
	local info = "PFSYNC " .. actions[action] .. ":"
	if (len - HDR_LEN) < want * rl then
		n = math.floor((len - HDR_LEN) / rl) -- the complete ones
		info = info .. " [|pfsync]"
		tree:add_proto_expert_info(e_badlen)
	end
	pinfo.cols.info = info
	tree:append_text(", " .. actions[action] .. ", count " .. count)
	for i = 0, n - 1 do
		records[action](tree, tvb:range(HDR_LEN + i * rl, rl))
	end
	return len
end

DissectorTable.get("ip.proto"):add(240, pfsync)
DissectorTable.get("wtap_encap"):add(wtap_encaps.USER15, pfsync)

-- --- pcap files of link type 246 ------------------------------------------

-- Classic pcap: magic (either byte order, us or ns), 24-byte file header,
-- 16-byte record headers.  Only files whose link type is 246 are taken;
-- every other file is left to Wireshark's own pcap reader.
local LINKTYPE_PFSYNC = 246
local magics = {
	["\212\195\178\161"] = { le = true, nsec = false },
	["\161\178\195\212"] = { le = false, nsec = false },
	["\077\060\178\161"] = { le = true, nsec = true },
	["\161\178\060\077"] = { le = false, nsec = true },
}

local function u32(s, at, le)
	local a, b, c, d = s:byte(at, at + 3)
	if le then
		return ((d * 256 + c) * 256 + b) * 256 + a
	end
	return ((a * 256 + b) * 256 + c) * 256 + d
end

local reader = FileHandler.new("pfsync pcap (link type 246)",
	"pfsync_pcap", "pcap files of LINKTYPE_PFSYNC (246)", "rms")

function reader.read_open(file, capture)
	local h = file:read(24)
	if h == nil or #h < 24 then
		return false
	end
	local m = magics[h:sub(1, 4)]
	if m == nil or u32(h, 21, m.le) ~= LINKTYPE_PFSYNC then
		return false
	end
	capture.encap = wtap_encaps.USER15
	capture.time_precision = m.nsec and wtap_filetypes.TSPREC_NSEC
		or wtap_filetypes.TSPREC_USEC
	capture.snapshot_length = u32(h, 17, m.le)
	capture.private_table = m
	return true
end

local function read_record(file, capture, frame)
	local m = capture.private_table
	local h = file:read(16)
	if h == nil or #h < 16 then
		return false
	end
	local caplen, origlen = u32(h, 9, m.le), u32(h, 13, m.le)
	if caplen > 262144 then
		return false
	end
	local data = file:read(caplen)
	if data == nil or #data < caplen then
		return false
	end
	local frac = u32(h, 5, m.le)
	frame.time = NSTime(u32(h, 1, m.le), m.nsec and frac or frac * 1000)
	frame.rec_type = wtap_rec_types.PACKET
	frame.flags = wtap_presence_flags.TS + wtap_presence_flags.CAP_LEN
	frame.captured_length = caplen
	frame.original_length = origlen
	frame.data = data
	return true
end

function reader.read(file, capture, frame)
	local at = file:seek()
	if not read_record(file, capture, frame) then
		return false
	end
	return at
end

function reader.seek_read(file, capture, frame, offset)
	file:seek("set", offset)
	return read_record(file, capture, frame)
end

function reader.read_close(file, capture)
	return true
end

function reader.seq_read_close(file, capture)
	return true
end

register_filehandler(reader)
