import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A box's `metadata.json`: `provider` is required; every other key is kept as written and passed on.
public struct BoxMetadata: Sendable, Equatable {
    /// Keys Vagrant requires (`Box::REQUIRED_METADATA_FIELDS`).
    public static let requiredFields = ["provider"]

    public let provider: String
    public let architecture: String?
    /// libvirt boxes: disk format (`qcow2`).
    public let format: String?
    /// libvirt boxes: disk size in whole GB.
    public let virtualSize: Int?
    /// The whole document, for keys boxer does not interpret.
    public let json: Data

    public init(
        provider: String, architecture: String? = nil, format: String? = nil, virtualSize: Int? = nil, extra: [String: any Sendable] = [:]
    ) {
        var object: [String: Any] = extra
        object["provider"] = provider
        if let architecture { object["architecture"] = architecture }
        if let format { object["format"] = format }
        if let virtualSize { object["virtual_size"] = virtualSize }
        self.provider = provider
        self.architecture = architecture
        self.format = format
        self.virtualSize = virtualSize
        // Keys in a fixed order so that the same metadata gives the same bytes.
        self.json = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    /// Parses and validates a metadata document; `source` names it in errors.
    public init(data: Data, source: String) throws(BoxArchiveError) {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw .corruptMetadata(box: source, reason: "it is not valid JSON (\(error.localizedDescription))")
        }
        guard let object = parsed as? [String: Any] else {
            throw .corruptMetadata(
                box: source, reason: "it must be a JSON object such as {\"provider\": \"libvirt\"}, not \(Self.jsonKind(parsed))")
        }
        guard let providerValue = object["provider"] else {
            throw .missingMetadataField(box: source, field: "provider")
        }
        guard let provider = providerValue as? String, !provider.isEmpty,
            provider.unicodeScalars.allSatisfy({
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
            })
        else {
            throw .corruptMetadata(
                box: source, reason: "the field \"provider\" must be a provider name such as \"libvirt\", found \(providerValue)")
        }
        self.provider = provider
        self.architecture = object["architecture"] as? String
        self.format = object["format"] as? String
        self.virtualSize = (object["virtual_size"] as? NSNumber)?.intValue
        self.json = data
    }

    /// Reads `metadata.json` from an extracted box folder. It must be a regular file, not a link
    /// (a link to the disk image would read gigabytes), and small.
    public init(contentsOf folder: URL, source: String) throws(BoxArchiveError) {
        let path = folder.appendingPathComponent("metadata.json").path
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .missingMetadata(box: source) }
            throw .corruptMetadata(
                box: source,
                reason: errno == ELOOP
                    ? "metadata.json is a link, not a file" : "metadata.json cannot be read (\(String(cString: strerror(errno))))")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw .corruptMetadata(box: source, reason: "metadata.json is not a regular file")
        }
        guard Int64(info.st_size) <= Self.sizeLimit else {
            throw .corruptMetadata(box: source, reason: "metadata.json is \(info.st_size) bytes; boxer reads at most \(Self.sizeLimit)")
        }
        let data: Data
        do {
            data = try handle.read(upToCount: Int(Self.sizeLimit) + 1) ?? Data()
        } catch {
            throw .corruptMetadata(box: source, reason: "metadata.json cannot be read (\(error))")
        }
        try self.init(data: data, source: source)
    }

    /// metadata.json is a few hundred bytes; a huge one is a hostile box.
    static let sizeLimit: Int64 = 1 << 20

    private static func jsonKind(_ value: Any) -> String {
        switch value {
        case is [Any]: return "an array"
        case is String: return "a string"
        case is NSNumber: return "a number"
        case is NSNull: return "null"
        default: return "\(type(of: value))"
        }
    }
}
