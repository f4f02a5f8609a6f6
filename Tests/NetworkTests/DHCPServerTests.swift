import BoxerTestSupport
import Foundation
import Networks
import Testing

/// The DHCP server against packets built byte by byte as a client sends them.
@Suite struct DHCPServerTests {
    static let clientA: [UInt8] = [0x52, 0x54, 0x00, 0x00, 0x00, 0x0a]
    static let clientB: [UInt8] = [0x52, 0x54, 0x00, 0x00, 0x00, 0x0b]

    /// A client's DHCP packet: BOOTP header (op 1, Ethernet, 6-byte address), magic cookie,
    /// message type and the given options, end.
    static func packet(_ type: UInt8, xid: UInt32 = 0x1234_5678, client: [UInt8], ciaddr: [UInt8] = [0, 0, 0, 0], options: [UInt8] = [])
        -> [UInt8]
    {
        var bytes: [UInt8] = [1, 1, 6, 0]  // op, htype, hlen, hops
        bytes += [UInt8(xid >> 24), UInt8(xid >> 16 & 0xff), UInt8(xid >> 8 & 0xff), UInt8(xid & 0xff)]
        bytes += [0, 0, 0x80, 0]  // secs, flags (broadcast)
        bytes += ciaddr + [0, 0, 0, 0] + [0, 0, 0, 0] + [0, 0, 0, 0]  // ciaddr yiaddr siaddr giaddr
        bytes += client + [UInt8](repeating: 0, count: 10)  // chaddr (16)
        bytes += [UInt8](repeating: 0, count: 192)  // sname, file
        bytes += [99, 130, 83, 99]  // magic cookie
        bytes += [53, 1, type] + options + [255]
        return bytes
    }

    static func exchange(_ server: inout DHCPServer, _ bytes: [UInt8], now: Date = Date(timeIntervalSince1970: 1_000_000)) throws
        -> DHCPMessage?
    {
        let request = try #require(DHCPMessage.parse(bytes))
        return server.handle(request, now: now)
    }

    @Test func discoverRequestAckGivesPoolAddressesInOrder() throws {
        var server = DHCPServer(subnet: 7)
        let offer = try #require(try Self.exchange(&server, Self.packet(1, client: Self.clientA)))
        #expect(offer.kind == .offer)
        #expect(offer.op == 2 && offer.transactionID == 0x1234_5678)
        #expect(offer.yourAddress == IPv4Address("192.168.7.2"))
        #expect(offer.serverIdentifier == IPv4Address("192.168.7.1"))
        #expect(offer.option(1) == [255, 255, 255, 0])
        #expect(offer.option(3) == nil && offer.option(6) == nil, "no router, no DNS: NAT is NIC1's job")
        // The reply is a valid packet that parses back to itself.
        #expect(DHCPMessage.parse(offer.serialized()) == offer)
        #expect(offer.serialized().count >= 300)

        let ack = try #require(
            try Self.exchange(
                &server,
                Self.packet(3, client: Self.clientA, options: [50, 4, 192, 168, 7, 2, 54, 4, 192, 168, 7, 1, 12, 3, 0x77, 0x65, 0x62])))
        #expect(ack.kind == .ack && ack.yourAddress == IPv4Address("192.168.7.2"))
        #expect(ack.option(51) == [0, 1, 0x51, 0x80], "lease time 86400 s")
        #expect(server.leases[MACAddress("52:54:00:00:00:0a")!]?.hostname == "web")

        let second = try #require(try Self.exchange(&server, Self.packet(1, xid: 9, client: Self.clientB)))
        #expect(second.yourAddress == IPv4Address("192.168.7.3"))
    }

    @Test func leaseIsKeptAcrossRebootsAndReservationsWin() throws {
        let a = MACAddress("52:54:00:00:00:0a")!
        let b = MACAddress("52:54:00:00:00:0b")!
        var server = DHCPServer(
            subnet: 3, leases: [a: DHCPLease(address: IPv4Address("192.168.3.40")!, expires: Date(timeIntervalSince1970: 2_000_000))],
            reservations: [b: IPv4Address("192.168.3.2")!])
        #expect(
            try Self.exchange(&server, Self.packet(1, client: Self.clientA))?.yourAddress == IPv4Address("192.168.3.40"), "its old lease")
        #expect(
            try Self.exchange(&server, Self.packet(1, client: Self.clientB))?.yourAddress == IPv4Address("192.168.3.2"), "its reservation")
        // Another client asking for a reserved or leased address gets a NAK.
        let stranger: [UInt8] = [0x52, 0x54, 0x00, 0x00, 0x00, 0x0c]
        #expect(try Self.exchange(&server, Self.packet(3, client: stranger, options: [50, 4, 192, 168, 3, 2]))?.kind == .nak)
        #expect(try Self.exchange(&server, Self.packet(3, client: stranger, options: [50, 4, 192, 168, 3, 40]))?.kind == .nak)
        // An address outside the subnet is refused too.
        #expect(try Self.exchange(&server, Self.packet(3, client: stranger, options: [50, 4, 10, 0, 0, 5]))?.kind == .nak)
        // A discover from the stranger skips both.
        #expect(try Self.exchange(&server, Self.packet(1, client: stranger))?.yourAddress == IPv4Address("192.168.3.3"))
    }

    @Test func releaseDeclineAndForeignServers() throws {
        var server = DHCPServer(subnet: 9)
        _ = try Self.exchange(&server, Self.packet(3, client: Self.clientA, options: [50, 4, 192, 168, 9, 2]))
        #expect(server.leases.count == 1)
        #expect(try Self.exchange(&server, Self.packet(7, client: Self.clientA, ciaddr: [192, 168, 9, 2])) == nil)
        #expect(server.leases.isEmpty, "RELEASE frees the lease")
        #expect(try Self.exchange(&server, Self.packet(4, client: Self.clientA, options: [50, 4, 192, 168, 9, 2])) == nil)
        #expect(
            try Self.exchange(&server, Self.packet(1, client: Self.clientB))?.yourAddress == IPv4Address("192.168.9.3"),
            "a DECLINEd address is not offered again")
        #expect(
            try Self.exchange(&server, Self.packet(3, client: Self.clientB, options: [50, 4, 192, 168, 9, 3, 54, 4, 10, 0, 0, 1])) == nil,
            "a REQUEST for another server is not answered")
    }

    @Test func malformedPacketsAreRejectedNotTrapped() {
        #expect(DHCPMessage.parse([]) == nil)
        #expect(DHCPMessage.parse([UInt8](repeating: 0, count: 239)) == nil)
        var truncatedOption = Self.packet(1, client: Self.clientA)
        truncatedOption.removeLast()  // drop the end marker...
        truncatedOption += [50, 200, 1]  // ...and claim 200 bytes that are not there
        #expect(DHCPMessage.parse(truncatedOption) == nil)
        var generator = SystemRandomNumberGenerator()
        var server = DHCPServer(subnet: 1)
        for _ in 0..<2000 {
            var bytes = Self.packet(UInt8.random(in: 0...9, using: &generator), client: Self.clientA)
            for _ in 0..<8 { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            if let message = DHCPMessage.parse(bytes) { _ = server.handle(message) }
        }
    }
}

@Suite struct SubnetRegistryTests {
    @Test func lowestFreeSubnetPerEnvironmentAndReleased() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-nets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let registry = SubnetRegistry(home: .init(root: folder), hostNetworks: { [] })
        #expect(try registry.allocate(for: "/a") == 1)
        #expect(try registry.allocate(for: "/b") == 2)
        #expect(try registry.allocate(for: "/a") == 1, "an environment keeps its network")
        try registry.release("/a")
        #expect(try registry.allocate(for: "/c") == 1, "released networks are reused, lowest first")
        #expect(registry.subnet(for: "/b") == 2)
    }

    @Test func staticAddressesChooseTheSubnet() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-nets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let registry = SubnetRegistry(home: .init(root: folder), hostNetworks: { [] })
        #expect(try registry.allocate(for: "/a") == 1)
        #expect(try registry.allocate(for: "/b", requiring: 56) == 56, "the X of the Vagrantfile's addresses")
        #expect(try registry.allocate(for: "/c") == 2, "the lowest free one otherwise")
        #expect(throws: NetworkError.self) { try registry.allocate(for: "/d", requiring: 56) }
        do {
            _ = try registry.allocate(for: "/d", requiring: 56)
        } catch {
            #expect(error.message.contains("192.168.56.0/24 is the internal network of another environment (/b)"))
        }
        do {
            _ = try registry.allocate(for: "/a", requiring: 33)
        } catch {
            #expect(error.message.contains("this environment's internal network is 192.168.1.0/24"))
        }
        #expect(registry.subnet(for: "/d") == nil, "a refused allocation leaves nothing behind")
    }

    /// Separate `boxer` processes allocating at once (`network-allocate`, what `up` does first):
    /// every environment gets a distinct network, the lowest ones, and the file stays whole.
    @Test func allocationsFromSeveralProcessesNeverCollide() throws {
        let binary = try #require(BoxerBinary.url?.path, "the boxer executable is built")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-nets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var environment = ProcessInfo.processInfo.environment
        environment["BOXER_HOME"] = folder.path
        var processes: [(Process, Pipe)] = []
        for index in 0..<24 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["network-allocate", "/project\(index)"]
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            processes.append((process, output))
        }
        var subnets: [Int] = []
        for (process, output) in processes {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            if let subnet = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) { subnets.append(subnet) }
        }
        #expect(subnets.count == 24)
        #expect(Set(subnets) == Set(1...24))
        #expect(try SubnetRegistry(home: .init(root: folder), hostNetworks: { [] }).all().count == 24)
    }

    /// Many allocators at once, each with its own lock file description (as separate processes
    /// have): every environment gets a distinct network.
    @Test func concurrentAllocationsNeverCollide() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-nets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = await withTaskGroup(of: EnvironmentSubnet?.self) { group in
            for index in 0..<40 {
                group.addTask {
                    await Task.detached {
                        try? SubnetRegistry(home: .init(root: folder), hostNetworks: { [] }).allocate(for: "/project\(index)")
                    }.value
                }
            }
            var all: [EnvironmentSubnet?] = []
            for await result in group { all.append(result) }
            return all
        }
        let subnets = results.compactMap { $0 }
        #expect(subnets.count == 40)
        #expect(Set(subnets).count == 40)
        #expect(Set(subnets) == Set((1...40).map(EnvironmentSubnet.init(standard:))))
    }
}
