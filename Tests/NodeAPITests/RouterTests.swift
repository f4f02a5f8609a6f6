import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import NodeAPI

/// The API's routes without a network: the unix socket's router (no token) and the TCP one.
@Suite struct RouterTests {
    static let host = HostCapacity(cpus: 2, memoryMiB: 24 * 1024)

    @Test func sizesOverTheSocket() async throws {
        let app = NodeAPIRouter.testApp(host: Self.host, token: nil)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/sizes", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONDecoder().decode([String: [NodeSize]].self, from: Data(buffer: response.body))
                #expect(body["sizes"] == SizeLadder.sizes(hostCPUs: 2, hostMemoryMiB: 24 * 1024))
            }
        }
    }

    @Test func tcpNeedsTheToken() async throws {
        let token = String(repeating: "ab", count: 32)
        let app = NodeAPIRouter.testApp(host: Self.host, token: token)
        try await app.test(.router) { client in
            for headers: HTTPFields in [
                [:], [.authorization: "Bearer wrong"], [.authorization: token], [.authorization: "Bearer " + token + "x"],
            ] {
                try await client.execute(uri: "/v1/sizes", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(headers)")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    let body = try JSONDecoder().decode([String: String].self, from: Data(buffer: response.body))
                    #expect(body["kind"] == "unauthorized" && body["message"]?.contains("Bearer") == true, "\(body)")
                    // Nothing else: no sizes in a refusal.
                    #expect(!String(buffer: response.body).contains("c1-m512"))
                }
            }
            try await client.execute(uri: "/v1/sizes", method: .get, headers: [.authorization: "Bearer " + token]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func unknownRoutesAnswerJSON() async throws {
        let app = NodeAPIRouter.testApp(host: Self.host, token: nil)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/nope", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try JSONDecoder().decode([String: String].self, from: Data(buffer: response.body))
                #expect(body == ["kind": "not_found", "message": "There is no GET /v1/nope; see /v1/openapi.json."])
            }
        }
    }

    @Test func theTokenFileIsPrivateAndKept() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("api-token").path
        let first = try NodeAPIServer.token(at: file)
        #expect(first.count == 64 && first.allSatisfy(\.isHexDigit))
        #expect(try NodeAPIServer.token(at: file) == first)
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(BearerTokenMiddleware<BasicRequestContext>.constantTimeEqual(first, first))
        #expect(!BearerTokenMiddleware<BasicRequestContext>.constantTimeEqual(String(first.dropLast()), first))
    }
}
