import Foundation

/// Where `box add` takes a box from, decided the way Vagrant decides it.
public enum BoxSource: Sendable, Equatable {
    /// A local file: a box, or a catalog if it parses as JSON.
    case file(URL)
    /// An http(s) URL: a catalog if the server says JSON, else a box.
    case remote(URL)
    /// `org/name` looked up on the box server.
    case shorthand(name: String, catalogURL: URL)

    public static let defaultServerURL = "https://vagrantcloud.com"

    /// Resolves what the user typed. `directory` anchors relative paths.
    public static func resolve(_ text: String, directory: URL, environment: [String: String]) throws(BoxStoreError) -> BoxSource {
        if let url = URL(string: text), let scheme = url.scheme?.lowercased() {
            switch scheme {
            case "http", "https": return .remote(url)
            case "file": return .file(URL(fileURLWithPath: url.path).standardizedFileURL)
            default: break
            }
        }
        let path = text.hasPrefix("/") ? URL(fileURLWithPath: text) : directory.appendingPathComponent(text)
        if FileManager.default.fileExists(atPath: path.path) {
            return .file(path.standardizedFileURL)
        }
        // `org/name`: one slash, no path-like parts.
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }), !text.contains("\\") {
            let server =
                [environment["BOXER_SERVER_URL"], environment["VAGRANT_SERVER_URL"]]
                .compactMap { $0 }.first { !$0.isEmpty } ?? defaultServerURL
            let trimmed = server.hasSuffix("/") ? String(server.dropLast()) : server
            guard let url = URL(string: "\(trimmed)/\(text)") else { throw .sourceNotFound(text) }
            return .shorthand(name: text, catalogURL: url)
        }
        throw .sourceNotFound(text)
    }

    /// How messages and `metadata_url` name the source.
    public var url: URL {
        switch self {
        case .file(let url), .remote(let url): return url
        case .shorthand(_, let url): return url
        }
    }
}
