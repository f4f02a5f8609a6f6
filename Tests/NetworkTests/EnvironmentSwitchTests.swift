import BoxerTestSupport
import Foundation
import Testing

@testable import Networks

/// The switch driven through real unix sockets as QEMU's `-netdev stream,server=on` offers
/// them: each test machine listens on a socket in the ports folder, the switch connects, and
/// frames go as a 4-byte big-endian length and the frame. One event-loop step at a time.
@Suite struct EnvironmentSwitchTests {
    final class Client {
        var listener: Int32
        var fd: Int32 = -1
        let path: String
        init(at path: String) throws {
            self.path = path
            listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            unlink(path)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in path.utf8.enumerated() { raw[index] = byte } }
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard status == 0, listen(listener, 1) == 0 else { throw ListenerFailure() }
            _ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK)
        }
        deinit {
            close()
            unlink(path)
        }

        /// Idempotent: `gone.close()` and then deinit must not close a descriptor number twice,
        /// which by then may be another test's socket (an accept on it would block for ever).
        func close() {
            if fd >= 0 { Glibc.close(fd) }
            if listener >= 0 { Glibc.close(listener) }
            fd = -1
            listener = -1
        }

        /// The switch's connection, accepted as QEMU accepts it.
        @discardableResult
        func connection() -> Int32? {
            if fd < 0, listener >= 0 {
                fd = accept(listener, nil, nil)
                // Non-blocking: the test and the switch share one thread, so a full socket
                // buffer must drop the write, not wait for a switch that cannot run.
                if fd >= 0 { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            }
            return fd >= 0 ? fd : nil
        }

        func send(_ frame: [UInt8]) {
            let length = UInt32(frame.count)
            sendRaw([UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + frame)
        }

        /// MSG_NOSIGNAL: the switch may have closed this connection (that is the point of some tests).
        func sendRaw(_ bytes: [UInt8]) {
            guard let fd = connection() else { return }
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// Frames that arrived (reading what is there now). At the end of a connection it
        /// listens again, as QEMU does.
        func received() -> [[UInt8]] {
            guard let fd = connection() else { return [] }
            var buffer: [UInt8] = []
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&entry, 1, 50) > 0 {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 {
                    if count == 0 {
                        Glibc.close(fd)
                        self.fd = -1
                    }
                    break
                }
                buffer += chunk[0..<count]
            }
            var frames: [[UInt8]] = []
            var offset = 0
            while buffer.count - offset >= 4 {
                let length = buffer[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
                guard buffer.count - offset - 4 >= length else { break }
                frames.append(Array(buffer[offset + 4..<offset + 4 + length]))
                offset += 4 + length
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
        let environmentSwitch = EnvironmentSwitch(
            subnet: 5, portsFolder: folder + "/ports", leasesPath: folder + "/leases.json",
            reservationsPath: folder + "/reservations.json")
        try environmentSwitch.start()
        defer { environmentSwitch.stop() }
        try body(environmentSwitch, folder)
    }

    /// Lets the switch find new sockets and move what is queued.
    func settle(_ environmentSwitch: EnvironmentSwitch) {
        environmentSwitch.scan()
        for _ in 0..<6 { environmentSwitch.step(timeout: 20) }
    }

    @Test func dhcpArpPingAndForwarding() throws {
        try withSwitch { environmentSwitch, folder in
            let a = try Client(at: folder + "/ports/a.sock")
            let b = try Client(at: folder + "/ports/b.sock")
            settle(environmentSwitch)
            b.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macB + [0x88, 0xb5, 0])
            settle(environmentSwitch)
            #expect(a.received().count == 1, "broadcasts reach every connected machine")

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
            let arp: [UInt8] =
                [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1] + Self.macA + [192, 168, 5, 2] + [
                    0, 0, 0, 0, 0, 0,
                ] + [192, 168, 5, 1]
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
            echo[2] = UInt8((~sum >> 8) & 0xff)
            echo[3] = UInt8(~sum & 0xff)
            a.send(
                environmentSwitch.gatewayMAC.bytes + Self.macA + [0x08, 0x00] + Self.ipv4([192, 168, 5, 2], [192, 168, 5, 1], 1, echo))
            settle(environmentSwitch)
            let pong = try #require(a.received().first)
            #expect(pong[23] == 1 && pong[34] == 0, "an ICMP echo reply")
            #expect(Array(pong[38...]) == Array(echo[4...]), "same identifier, sequence and data")

            // Unicast: once B has spoken, A's frames for B go to B only.
            b.send(Self.macA + Self.macB + [0x88, 0xb5, 1, 2, 3])
            settle(environmentSwitch)
            #expect(a.received().count == 1)
            let c = try Client(at: folder + "/ports/c.sock")
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
            let bad = try Client(at: folder + "/ports/bad.sock")
            let good = try Client(at: folder + "/ports/good.sock")
            let quiet = try Client(at: folder + "/ports/quiet.sock")
            quiet.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + [0x52, 0x54, 0, 0, 0, 0x0e] + [0x88, 0xb5, 0])
            settle(environmentSwitch)
            _ = good.received()
            // Frames too short to be Ethernet, junk payloads, and then a length no frame has.
            bad.send([1, 2, 3])
            settle(environmentSwitch)
            bad.send([UInt8](repeating: 0xff, count: 60))
            bad.sendRaw([0xff, 0xff, 0xff, 0xff])
            settle(environmentSwitch)
            // A flood nobody reads: the switch keeps serving.
            for round in 0..<3000 {
                good.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x88, 0xb5] + [UInt8](repeating: 7, count: 1400))
                if round % 10 == 0 { environmentSwitch.step(timeout: 0) }
            }
            for _ in 0..<50 { environmentSwitch.step(timeout: 5) }
            _ = quiet
            good.send(Self.dhcpDiscover(Self.macA))
            for _ in 0..<20 {
                environmentSwitch.step(timeout: 5)
                _ = good.received().isEmpty
            }
            // The switch answers a new client after all that.
            let fresh = try Client(at: folder + "/ports/fresh.sock")
            settle(environmentSwitch)
            fresh.send(Self.dhcpDiscover(Self.macB))
            // Waited for (up to 5 s), not timed: on a loaded host the flood's backlog may take
            // the switch more than a few steps to drain.
            let isOffer: ([UInt8]) -> Bool = { $0.count > 42 && DHCPMessage.parse(Array($0[42...]))?.kind == .offer }
            var frames: [[UInt8]] = []
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, !frames.contains(where: isOffer) {
                environmentSwitch.step(timeout: 20)
                frames += fresh.received()
            }
            #expect(frames.contains(where: isOffer), "still answering")
        }
    }

    @Test func aRestartedSwitchFindsTheMachinesAgain() throws {
        try withSwitch { environmentSwitch, folder in
            let a = try Client(at: folder + "/ports/a.sock")
            let b = try Client(at: folder + "/ports/b.sock")
            settle(environmentSwitch)
            #expect(environmentSwitch.connectedPorts == [folder + "/ports/a.sock", folder + "/ports/b.sock"])
            // The switch goes (killed: its connections close); the machines listen again, as
            // QEMU does, and a new switch connects to the same sockets.
            environmentSwitch.stop()
            #expect(a.received().isEmpty && b.received().isEmpty)
            let restarted = EnvironmentSwitch(subnet: 5, portsFolder: folder + "/ports", leasesPath: folder + "/leases.json")
            try restarted.start()
            defer { restarted.stop() }
            #expect(restarted.connectedPorts == [folder + "/ports/a.sock", folder + "/ports/b.sock"])
            a.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x88, 0xb5, 1])
            settle(restarted)
            #expect(b.received() == [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x88, 0xb5, 1]])
            // A machine that is gone (its socket file left, nobody listening) is dropped and not
            // tried again until a new socket is made there.
            let gone = try Client(at: folder + "/ports/gone.sock")
            settle(restarted)
            #expect(restarted.connectedPorts.contains(folder + "/ports/gone.sock"))
            gone.close()
            a.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x88, 0xb5, 3])
            settle(restarted)
            settle(restarted)
            #expect(!restarted.connectedPorts.contains(folder + "/ports/gone.sock"))
            #expect(b.received().count == 1)
        }
    }

    @Test func staticReservationsAreReadWhenTheyChange() throws {
        try withSwitch { environmentSwitch, folder in
            let a = try Client(at: folder + "/ports/a.sock")
            let b = try Client(at: folder + "/ports/b.sock")
            settle(environmentSwitch)
            func offer(_ client: Client, _ mac: [UInt8]) throws -> IPv4Address? {
                client.send(Self.dhcpDiscover(mac))
                settle(environmentSwitch)
                let frames = client.received().filter { $0.count > 42 && DHCPMessage.parse(Array($0[42...]))?.kind == .offer }
                return try #require(frames.first.flatMap { DHCPMessage.parse(Array($0[42...])) }).yourAddress
            }
            #expect(try offer(a, Self.macA) == IPv4Address("192.168.5.2"))
            // `boxer up` writes the reservations while the switch runs: A is given .20, and .2
            // (another machine's static address, not created yet) is offered to nobody else.
            try NetworkReservations(
                reserved: [MACAddress("52:54:00:00:00:0a")!: IPv4Address("192.168.5.20")!],
                excluded: [IPv4Address("192.168.5.20")!, IPv4Address("192.168.5.2")!]
            ).write(to: folder + "/reservations.json")
            #expect(try offer(a, Self.macA) == IPv4Address("192.168.5.20"))
            #expect(try offer(b, Self.macB) == IPv4Address("192.168.5.3"))
        }
    }

    @Test func leasesOutliveTheSwitch() throws {
        try withSwitch { environmentSwitch, folder in
            let a = try Client(at: folder + "/ports/a.sock")
            settle(environmentSwitch)
            let request = DHCPServerTests.packet(3, client: Self.macA, options: [50, 4, 192, 168, 5, 9])
            let udp: [UInt8] = [0, 68, 0, 67, UInt8((8 + request.count) >> 8), UInt8((8 + request.count) & 0xff), 0, 0] + request
            a.send(
                [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + Self.macA + [0x08, 0x00] + Self.ipv4([0, 0, 0, 0], [255, 255, 255, 255], 17, udp))
            settle(environmentSwitch)
            #expect(try #require(a.received().first).count > 42)
            let restarted = EnvironmentSwitch(subnet: 5, portsFolder: folder + "/ports", leasesPath: folder + "/leases.json")
            #expect(restarted.dhcp.leases[MACAddress("52:54:00:00:00:0a")!]?.address == IPv4Address("192.168.5.9"))
        }
    }
}

/// The switch's interrupt coalescing, as a pure rule.
@Suite struct PacingTests {
    @Test func onlyBulkFlowsWaitAndTheWaitFollowsTheBatches() {
        var pacing = EnvironmentSwitch.Pacing()
        var now: UInt64 = 1_000_000_000
        // Small frames (ping, ACKs, keystrokes), however many: never a wait.
        for _ in 0..<100 {
            now += 100_000
            #expect(pacing.nap(afterLargeFrames: 0, bytes: 80, now: now) == 0)
        }
        // A bulk flow of small batches (a slow guest): the wait grows to its longest.
        var naps: [UInt32] = []
        for _ in 0..<8 {
            now += 500_000
            naps.append(pacing.nap(afterLargeFrames: 2, bytes: 3000, now: now))
        }
        #expect(naps.first == 0, "a lone full-size frame does not start it")
        #expect(naps.dropFirst().first == EnvironmentSwitch.Pacing.shortest)
        #expect(naps.last == EnvironmentSwitch.Pacing.longest)
        // Big batches (a fast guest): the wait shrinks, so it never caps throughput.
        let before = pacing.current
        now += 1_000_000
        #expect(pacing.nap(afterLargeFrames: 80, bytes: 120_000, now: now) == before / 2)
        // The flow stops: after 20 ms without full-size frames, back to no wait.
        now += 30_000_000
        #expect(pacing.nap(afterLargeFrames: 0, bytes: 60, now: now) == 0)
        #expect(pacing.current == 0)
    }
}
