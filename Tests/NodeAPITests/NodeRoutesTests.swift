import BoxerSupport
import BoxerTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Machines
@testable import NodeAPI

/// POST /v1/nodes and the operations, with machines that cannot be opened: every refusal is a 4xx
/// with nothing made; an accepted create whose machine fails ends as a failed node that DELETE removes.
@Suite struct NodeRoutesTests {
    static let host = HostCapacity(cpus: 2, memoryMiB: 4096)

    static func post(_ client: some TestClientProtocol, _ json: String) async throws -> (HTTPResponse.Status, [String: String]) {
        try await client.execute(uri: "/v1/nodes", method: .post, body: ByteBuffer(string: json)) {
            response -> (HTTPResponse.Status, [String: String]) in
            (response.status, (try? JSONDecoder().decode([String: String].self, from: Data(buffer: response.body))) ?? [:])
        }
    }

    @Test func refusalsMakeNothing() async throws {
        let (folder, home) = try ImageRoutesTests.home()
        _ = folder
        let nodes = folder.url.appendingPathComponent("nodes")
        let app = NodeAPIRouter.testApp(host: Self.host, token: nil, home: home)
        let image = "tiny:0::libvirt"
        let sized = "boxer/ubuntu-22.04-Ubuntu_64-1-1024-10:1.0.0:amd64:libvirt"
        try await app.test(.router) { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("{", .badRequest, "not valid JSON"),
                (#"{"name": "web"}"#, .badRequest, "\"image\" is required"),
                (#"{"name": "web", "image": "\#(image)", "colour": "red"}"#, .badRequest, "unknown field \"colour\""),
                (#"{"name": "../etc", "image": "\#(image)"}"#, .badRequest, "path character"),
                (#"{"name": "web", "image": "nope"}"#, .notFound, "no image"),
                (#"{"name": "web", "image": "\#(image)", "size": "c64-m1048576"}"#, .badRequest, "has no size"),
                // The host (4 GiB, 1 GiB kept) offers c1-m2048 at most; the image needs 1 GiB.
                (#"{"name": "web", "image": "\#(sized)", "size": "c1-m512"}"#, .badRequest, "Pick a larger size"),
                (#"{"name": "web", "image": "\#(image)", "ssh_key": "hello"}"#, .badRequest, "OpenSSH public key"),
                (#"{"name": "web", "image": "\#(image)", "user_data": "echo hi"}"#, .badRequest, "User data"),
            ]
            for (json, status, said) in cases {
                let (got, body) = try await Self.post(client, json)
                #expect(got == status, "\(json): \(body)")
                #expect(body["message"]?.contains(said) == true, "\(json): \(body)")
            }
            let big = ##"{"name": "web", "image": "\##(image)", "user_data": "#!/bin/sh\n\##(String(repeating: "x", count: 200_000))"}"##
            let (tooLarge, body) = try await Self.post(client, big)
            #expect(tooLarge == .contentTooLarge && body["kind"] == "too_large", "\(body)")
            #expect(HostFiles.entries(of: nodes.path).filter { !$0.hasPrefix(".") }.isEmpty, "nothing was made")
        }
    }

    @Test func aFailedCreateIsKeptUntilDestroyed() async throws {
        let (folder, home) = try ImageRoutesTests.home()
        let app = NodeAPIRouter.testApp(host: Self.host, token: nil, home: home)
        try await app.test(.router) { client in
            let create = #"{"name": "web", "image": "tiny:0::libvirt", "size": "c1-m512"}"#
            let operation = try await client.execute(uri: "/v1/nodes", method: .post, body: ByteBuffer(string: create)) {
                response -> NodeOperation? in
                #expect(response.status == .accepted)
                #expect(response.headers[.location]?.hasPrefix("/v1/operations/op-") == true)
                return try JSONDecoder.iso.decode([String: NodeOperation].self, from: Data(buffer: response.body))["operation"]
            }
            let id = try #require(operation?.id)
            // The same name again while the first holds it.
            let (taken, body) = try await Self.post(client, create)
            #expect(taken == .conflict, "\(body)")
            try await client.execute(uri: "/v1/operations/\(id)?wait=true&timeout=30", method: .get) { response in
                let finished = try JSONDecoder.iso.decode(NodeOperation.self, from: Data(buffer: response.body))
                #expect(finished.status == .failed && finished.kind == "create" && finished.node == "web")
                #expect(finished.error?.message.contains("these tests open no machines") == true, "\(finished)")
            }
            try await client.execute(uri: "/v1/nodes/web", method: .get) { response in
                let view = try JSONDecoder.iso.decode(NodeView.self, from: Data(buffer: response.body))
                #expect(view.state == "error" && view.phase == .failed && view.sizeID == "c1-m512" && view.memoryMiB == 512)
            }
            try await client.execute(uri: "/v1/nodes/web/start", method: .post) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(uri: "/v1/nodes/web?wait=true", method: .delete) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: "/v1/nodes", method: .get) { response in
                #expect(String(buffer: response.body) == #"{"nodes":[]}"#)
            }
            try await client.execute(uri: "/v1/nodes/web", method: .delete) { response in
                #expect(response.status == .notFound)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("nodes/web").path))
    }

    /// Two creates of one name at once: one folder, one winner.
    @Test func concurrentCreatesOfOneNameHaveOneWinner() async throws {
        let folder = try TemporaryFolder("boxer-node-race")
        let store = NodeStore(home: BoxerHome(root: folder.url))
        let size = NodeSize(id: "", name: "", cpus: 0, memoryMiB: 0, diskGiB: 0)
        let wins = await withTaskGroup(of: Bool.self) { group in
            for attempt in 0..<8 {
                group.addTask {
                    let record = NodeRecord(name: "web", imageID: "i\(attempt)", size: size, provider: "qemu", created: Date(), auth: nil)
                    return (try? store.create(record, files: ["Vagrantfile": ("# \(attempt)\n", 0o644)])) != nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        #expect(store.list().map(\.name) == ["web"])
        #expect(HostFiles.entries(of: store.folder) == ["web"], "no staging folder left")
    }

    /// A create whose process died (kill -9) is found and marked failed.
    @Test func anInterruptedCreateIsRecovered() async throws {
        let folder = try TemporaryFolder("boxer-node-recover")
        let service = NodeService(home: BoxerHome(root: folder.url), host: Self.host) { _, _, _, _ in throw NodeError(.failed, "unused") }
        let size = NodeSize(id: "", name: "", cpus: 0, memoryMiB: 0, diskGiB: 0)
        // A pid that is not running: pid_max is below 2^22 on Linux.
        let record = NodeRecord(
            name: "cut", imageID: "i", size: size, provider: "qemu", created: Date(), auth: nil, creatorPID: 4_194_304 + 7)
        try service.store.create(record, files: [:])
        let alive = NodeRecord(name: "alive", imageID: "i", size: size, provider: "qemu", created: Date(), auth: nil)
        try service.store.create(alive, files: [:])
        #expect(await service.recoverInterrupted(output: .discarded) == ["cut"])
        #expect(try service.store.record("cut")?.phase == .failed)
        #expect(try service.store.record("alive")?.phase == .creating)
    }
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// GET /v1/environments: the Vagrantfile projects of the machine index, without the nodes.
@Suite struct EnvironmentRoutesTests {
    @Test func projectsAreListedAndNodesAreNot() async throws {
        let folder = try TemporaryFolder("boxer-environments")
        let home = BoxerHome(root: folder.url)
        let index = MachineIndex(home: home)
        let project = folder.url.appendingPathComponent("project").path
        let box = MachineIndex.Entry.BoxReference(name: "boxer/tiny", provider: "libvirt", version: "0")
        for (uuid, name, root) in [("u1", "web", project), ("u2", "db", project), ("u3", "n1", home.path + "/nodes/n1")] {
            try index.set(
                uuid,
                .init(
                    name: name, provider: "qemu", architecture: "amd64", state: "running", vagrantfilePath: root,
                    localDataPath: root + "/.vagrant", box: box))
        }
        let app = NodeAPIRouter.testApp(host: RouterTests.host, token: nil, home: home)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/environments", method: .get) { response in
                let body = try JSONDecoder().decode([String: [EnvironmentView]].self, from: Data(buffer: response.body))
                let environments = body["environments"] ?? []
                #expect(environments.map(\.path) == [project])
                #expect(environments.first?.machines.map(\.name) == ["db", "web"])
                #expect(environments.first?.machines.first?.box == "boxer/tiny" && environments.first?.machines.first?.id == "u2")
            }
        }
    }
}
