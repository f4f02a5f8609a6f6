import Foundation
import Networks
import Testing

/// The switch driven through its real unix socket with frames as QEMU's `-netdev dgram` sends
/// them (one frame per datagram, from a socket of the machine's own), one event-loop step at a
/// time.
@Suite struct EnvironmentSwitchTests {
    final class Client {
        let fd: Int32
        let path: String
        let switchPath: String
        init(_ switchPath: String, at path: String) throws {
            self.path = path
            self.switchPath = switchPath
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            unlink(path)
            var address = Self.address(path)
            let status = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            guard status == 0 else { throw NetworkError("bind failed") }
            // Non-blocking: the test and the switch share one thread, so a full queue must drop
            // the datagram, not wait for a switch that cannot run.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        deinit { close(fd); unlink(path) }

        static func address(_ path: String) -> sockaddr_un {
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in path.utf8.enumerated() { raw[index] = byte } }
            return address
        }

        func send(_ frame: [UInt8]) {
            var address = Self.address(switchPath)
            _ = frame.withUnsafeBytes { raw in
                withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            }
        }

        /// Frames that arrived (reading what is there now).
        func received() -> [[UInt8]] {
            var frames: [[UInt8]] = []
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&entry, 1, 50) > 0 {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count < 0 { break }
                frames.append(Array(chunk[0..<count]))
            }
            return frames
        }
    }

    static let macA: [UInt8] = [0x52, 0x54, 0x00, 0, 0, 0x0a]
    static let macB: [UInt8] = [0x52, 0x54, 0x00, 0, 0, 0x0b]

    static func ipv4(_ source: [UInt8], _ destination: [UInt8], _ proto: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let total = 20 + payload.count
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0, 0, 64, proto, 0, 0] + source + destination + payload
    }

    static func dhcpDiscover(_ mac: [UInt8]) -> [UInt8] {
        let dhcp = DHCPServerTests.packet(1, client: mac)
        let udp: [UInt8] = [0, 68, 0, 67, UInt8((8 + dhcp.count) >> 8), UInt8((8 + dhcp.count) & 0xff), 0, 0] + dhcp
        return [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + mac + [0x08, 0x00] + ipv4([0, 0, 0, 0], [255, 255, 255, 255], 17, udp)
    }

    func withSwitch(_ body: (EnvironmentSwitch, String) throws -> Void) throws {
        let folder = "/tmp/boxer-sw-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/ports", withIntermediateDirectories: true)
        let environmentSwitch = EnvironmentSwitch(subnet: 5, socketPath: folder + "/switch.sock", portsFolder: folder + "/ports", leasesPath: folder + "/leases.json",
                                                  reservationsPath: folder + "/reservations.json")
        try environmentSwitch.start()
        defer { environmentSwitch.stop() }
        try body(environmentSwitch, folder)
    }

    func settle(_ environmentSwitch: EnvironmentSwitch) { for _ in 0..<6 { environmentSwitch.step(timeout: 20) } }

    @Test func dhcpArpPingAndForwarding() throws {
        try withSwitch { environmentSwitch, folder in
            let a = try Client(folder + "/switch.sock", at: folder + "/ports/a.sock"), b = try Client(folder + "/switch.sock", at: folder + "/ports/b.sock")
            // B speaks first, so the switch knows its port (QEMU's guests do at boot: DHCP).
            b.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macB + [0x88, 0xb5, 0])
            settle(environmentSwitch)
            #expect(a.received().isEmpty, "A has not spoken yet, so the switch does not know its port")

            // DHCP: A's DISCOVER is answered with an OFFER of 192.168.5.2, and flooded to B.
            a.send(Self.dhcpDiscover(Self.macA))
            settle(environmentSwitch)
            let offers = a.received()
            let offerFrame = try #require(offers.first)
            let offer = try #require(DHCPMessage.parse(Array(offerFrame[42...])))
            #expect(offer.kind == .offer && offer.yourAddress == IPv4Address("192.168.5.2"))
            #expect(Array(offerFrame[26..<30]) == [192, 168, 5, 1], "from the gateway address")
            #expect(b.received().count == 1, "broadcasts reach the other machines")

            // ARP: who has 192.168.5.1? The gateway answers with its MAC.
            let arp: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1] + Self.macA + [192, 168, 5, 2] + [0, 0, 0, 0, 0, 0] + [192, 168, 5, 1]
            a.send(arp)
            settle(environmentSwitch)
            let reply = try #require(a.received().first)
            #expect(Array(reply[12..<14]) == [0x08, 0x06] && Array(reply[20..<22]) == [0, 2])
            #expect(Array(reply[22..<28]) == environmentSwitch.gatewayMAC.bytes)
            _ = b.received()

            // ICMP echo to the gateway comes back with a valid checksum.
            var echo: [UInt8] = [8, 0, 0, 0, 0, 1, 0, 1] + Array("boxer".utf8)
            var sum: UInt32 = 0
            for index in stride(from: 0, to: echo.count - 1, by: 2) { sum += UInt32(echo[index]) << 8 | UInt32(echo[index + 1]) }
            if echo.count % 2 == 1 { sum += UInt32(echo[echo.count - 1]) << 8 }
            while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
            echo[2] = UInt8((~sum >> 8) & 0xff); echo[3] = UInt8(~sum & 0xff)
            a.send(environmentSwitch.gatewayMAC.bytes + Self.macA + [0x08, 0x00] + Self.ipv4([192, 168, 5, 2], [192, 168, 5, 1], 1, echo))
            settle(environmentSwitch)
            let pong = try #require(a.received().first)
            #expect(pong[23] == 1 && pong[34] == 0, "an ICMP echo reply")
            #expect(Array(pong[38...]) == Array(echo[4...]), "same identifier, sequence and data")

            // Unicast: once B has spoken, A's frames for B go to B only.
            b.send(Self.macA + Self.macB + [0x88, 0xb5, 1, 2, 3])
            settle(environmentSwitch)
            #expect(a.received().count == 1)
            let c = try Client(folder + "/switch.sock", at: folder + "/ports/c.sock")
            c.send(Self.macB + [0x52, 0x54, 0, 0, 0, 0x0c] + [0x88, 0xb5, 9])
            settle(environmentSwitch)
            _ = b.received()
            settle(environmentSwitch)
            a.send(Self.macB + Self.macA + [0x88, 0xb5, 4, 5, 6])
            settle(environmentSwitch)
            #expect(b.received() == [Self.macB + Self.macA + [0x88, 0xb5, 4, 5, 6]])
            #expect(c.received().isEmpty, "a learned unicast frame is not flooded")
        }
    }

    @Test func garbageAndFloodsDoNotStopTheSwitch() throws {
        try withSwitch { environmentSwitch, folder in
            let bad = try Client(folder + "/switch.sock", at: folder + "/ports/bad.sock"), good = try Client(folder + "/switch.sock", at: folder + "/ports/good.sock"), quiet = try Client(folder + "/switch.sock", at: folder + "/ports/quiet.sock")
            quiet.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + [0x52, 0x54, 0, 0, 0, 0x0e] + [0x88, 0xb5, 0])
            settle(environmentSwitch)
            _ = good.received()
            // Frames too short to be Ethernet, junk payloads, and then a length no frame has.
            bad.send([1, 2, 3])
            settle(environmentSwitch)
            bad.send([UInt8](repeating: 0xff, count: 60))
            bad.send([])
            settle(environmentSwitch)
            // A flood nobody reads: the switch keeps serving.
            for round in 0..<3000 {
                good.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x88, 0xb5] + [UInt8](repeating: 7, count: 1400))
                if round % 10 == 0 { environmentSwitch.step(timeout: 0) }
            }
            for _ in 0..<50 { environmentSwitch.step(timeout: 5) }
            _ = quiet
            good.send(Self.dhcpDiscover(Self.macA))
            for _ in 0..<20 { environmentSwitch.step(timeout: 5); _ = good.received().isEmpty }
            // The switch answers a new client after all that.
            let fresh = try Client(folder + "/switch.sock", at: folder + "/ports/fresh.sock")
            settle(environmentSwitch)
            fresh.send(Self.dhcpDiscover(Self.macB))
            settle(environmentSwitch)
            let frames = fresh.received()
            #expect(frames.contains { $0.count > 42 && DHCPMessage.parse(Array($0[42...]))?.kind == .offer }, "still answering")
        }
    }

    @Test func aRestartedSwitchFindsTheMachinesAgain() throws {
        try withSwitch { environmentSwitch, folder in
            let a = try Client(folder + "/switch.sock", at: folder + "/ports/a.sock"), b = try Client(folder + "/switch.sock", at: folder + "/ports/b.sock")
            // The switch is killed and started again at the same path; the machines' sockets
            // stay where they were, and neither machine has spoken to the new switch.
            environmentSwitch.stop()
            let restarted = EnvironmentSwitch(subnet: 5, socketPath: folder + "/switch.sock", portsFolder: folder + "/ports", leasesPath: folder + "/leases.json")
            try restarted.start()
            defer { restarted.stop() }
            #expect(restarted.knownPorts == [folder + "/ports/a.sock", folder + "/ports/b.sock"])
            a.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x88, 0xb5, 1])
            settle(restarted)
            #expect(b.received() == [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x88, 0xb5, 1]])
            // A port whose machine is gone (socket closed) is forgotten, not fatal.
            let gone = try Client(folder + "/switch.sock", at: folder + "/ports/gone.sock")
            gone.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + [0x52, 0x54, 0, 0, 0, 0x0f] + [0x88, 0xb5, 2])
            settle(restarted)
            close(gone.fd)
            a.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x88, 0xb5, 3])
            settle(restarted)
            #expect(!restarted.knownPorts.contains(folder + "/ports/gone.sock"))
            #expect(b.received().count == 2)
        }
    }

    @Test func staticReservationsAreReadWhenTheyChange() throws {
        try withSwitch { environmentSwitch, folder in
            let a = try Client(folder + "/switch.sock", at: folder + "/ports/a.sock"), b = try Client(folder + "/switch.sock", at: folder + "/ports/b.sock")
            func offer(_ client: Client, _ mac: [UInt8]) throws -> IPv4Address? {
                client.send(Self.dhcpDiscover(mac))
                settle(environmentSwitch)
                let frames = client.received().filter { $0.count > 42 && DHCPMessage.parse(Array($0[42...]))?.kind == .offer }
                return try #require(frames.first.flatMap { DHCPMessage.parse(Array($0[42...])) }).yourAddress
            }
            #expect(try offer(a, Self.macA) == IPv4Address("192.168.5.2"))
            // `boxer up` writes the reservations while the switch runs: A is given .20, and .2
            // (another machine's static address, not created yet) is offered to nobody else.
            try NetworkReservations(reserved: [MACAddress("52:54:00:00:00:0a")!: IPv4Address("192.168.5.20")!],
                                    excluded: [IPv4Address("192.168.5.20")!, IPv4Address("192.168.5.2")!]).write(to: folder + "/reservations.json")
            #expect(try offer(a, Self.macA) == IPv4Address("192.168.5.20"))
            #expect(try offer(b, Self.macB) == IPv4Address("192.168.5.3"))
        }
    }

    @Test func leasesOutliveTheSwitch() throws {
        try withSwitch { environmentSwitch, folder in
            let a = try Client(folder + "/switch.sock", at: folder + "/ports/a.sock")
            settle(environmentSwitch)
            let request = DHCPServerTests.packet(3, client: Self.macA, options: [50, 4, 192, 168, 5, 9])
            let udp: [UInt8] = [0, 68, 0, 67, UInt8((8 + request.count) >> 8), UInt8((8 + request.count) & 0xff), 0, 0] + request
            a.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x08, 0x00] + Self.ipv4([0, 0, 0, 0], [255, 255, 255, 255], 17, udp))
            settle(environmentSwitch)
            #expect(try #require(a.received().first).count > 42)
            let restarted = EnvironmentSwitch(subnet: 5, socketPath: folder + "/other.sock", portsFolder: folder + "/ports", leasesPath: folder + "/leases.json")
            #expect(restarted.dhcp.leases[MACAddress("52:54:00:00:00:0a")!]?.address == IPv4Address("192.168.5.9"))
        }
    }
}
