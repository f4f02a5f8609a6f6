import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import NodeAPI

/// The OpenAPI document: served at /v1/openapi.json, the same as the committed docs/openapi.json
/// (BOXER_UPDATE_OPENAPI=1 rewrites that), and naming every route the router has.
@Suite struct OpenAPITests {
    static let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.json")

    @Test func theCommittedDocumentIsCurrent() throws {
        if ProcessInfo.processInfo.environment["BOXER_UPDATE_OPENAPI"] == "1" {
            try Data(OpenAPIDocument.json.utf8).write(to: Self.committed)
        }
        let text = try String(contentsOf: Self.committed, encoding: .utf8)
        #expect(text == OpenAPIDocument.json, "docs/openapi.json is stale: run BOXER_UPDATE_OPENAPI=1 swift test --filter OpenAPITests")
    }

    @Test func itIsServedAndNamesEveryRoute() async throws {
        let app = NodeAPIRouter.testApp(host: RouterTests.host, token: nil)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/openapi.json", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "application/json")
                let document = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let paths = (document?["paths"] as? [String: [String: Any]]) ?? [:]
                // Each documented operation answers something other than "no such route".
                for (path, operations) in paths {
                    for method in operations.keys {
                        let uri = path.replacingOccurrences(of: "{name}", with: "x").replacingOccurrences(of: "{id}", with: "x")
                            .replacingOccurrences(of: "{snapshot}", with: "x")
                        try await client.execute(
                            uri: uri, method: HTTPRequest.Method(method.uppercased()) ?? .get, body: ByteBuffer(string: "{}")
                        ) {
                            answer in
                            #expect(!String(buffer: answer.body).contains("There is no \(method.uppercased()) "), "\(method) \(path)")
                        }
                    }
                }
                #expect(paths.count == 20)
            }
        }
    }
}
