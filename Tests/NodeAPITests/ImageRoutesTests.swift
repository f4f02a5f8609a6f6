import BoxerSupport
import BoxerTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import NodeAPI

/// GET /v1/images: the boxes in the store, with the minimums their names carry.
@Suite struct ImageRoutesTests {
    /// A store with two boxes laid out as Vagrant's (only metadata.json makes a provider folder).
    static func home() throws -> (TemporaryFolder, BoxerHome) {
        let folder = try TemporaryFolder("boxer-node-api")
        for path in ["boxer-VAGRANTSLASH-ubuntu-22.04-Ubuntu_64-1-1024-10/1.0.0/amd64/libvirt", "tiny/0/libvirt"] {
            let provider = folder.url.appendingPathComponent("boxes/" + path)
            try FileManager.default.createDirectory(at: provider, withIntermediateDirectories: true)
            try Data(#"{"provider": "libvirt"}"#.utf8).write(to: provider.appendingPathComponent("metadata.json"))
        }
        return (folder, BoxerHome(root: folder.url))
    }

    /// A box's info.json minimums (what `boxer build` and images made from nodes write) come
    /// before those its name carries.
    @Test func infoMinimumsComeFirst() throws {
        let (folder, home) = try Self.home()
        let provider = folder.url.appendingPathComponent("boxes/tiny/0/libvirt")
        let info = #"{"minimums": {"os_type": "Linux_64", "cpus": 2, "memory_mib": 768, "disk_gib": 3}}"#
        try Data(info.utf8).write(to: provider.appendingPathComponent("info.json"))
        let service = NodeService(home: home, host: RouterTests.host) { _, _, _, _ in throw NodeError(.failed, "unused") }
        let image = try #require(try service.images().first { $0.name == "tiny" })
        #expect(image.minimums == ImageMinimums(name: "tiny", osType: "Linux_64", cpus: 2, memoryMiB: 768, diskGiB: 3))
        let small = NodeSize(id: "c1-m512", name: "", cpus: 1, memoryMiB: 512, diskGiB: 10)
        #expect(image.minimums?.fits(small) == false)
    }

    @Test func theStoreIsTheImageList() async throws {
        let (folder, home) = try Self.home()
        _ = folder
        let app = NodeAPIRouter.testApp(host: RouterTests.host, token: nil, home: home)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/images", method: .get) { response in
                #expect(response.status == .ok)
                let images = try JSONDecoder().decode([String: [NodeImage]].self, from: Data(buffer: response.body))["images"] ?? []
                #expect(images.map(\.id) == ["boxer/ubuntu-22.04-Ubuntu_64-1-1024-10:1.0.0:amd64:libvirt", "tiny:0::libvirt"])
                #expect(
                    images.first?.minimums
                        == ImageMinimums(name: "ubuntu-22.04", osType: "Ubuntu_64", cpus: 1, memoryMiB: 1024, diskGiB: 10))
                #expect(images.last?.minimums == nil && images.last?.architecture == nil)
            }
            let id =
                "boxer/ubuntu-22.04-Ubuntu_64-1-1024-10:1.0.0:amd64:libvirt".addingPercentEncoding(withAllowedCharacters: .alphanumerics)
                ?? ""
            try await client.execute(uri: "/v1/images/" + id, method: .get) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let image = try JSONDecoder().decode(NodeImage.self, from: Data(buffer: response.body))
                #expect(image.version == "1.0.0")
            }
            try await client.execute(uri: "/v1/images/nope", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains(#""kind":"not_found""#))
            }
        }
    }
}
