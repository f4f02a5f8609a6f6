import BoxerSupport
import Foundation
import Vagrantfile

/// `upload`: a host file or folder into the running guest over the SSH communicator, as
/// Vagrant's `upload` command sends it: to the source's name in the login user's home unless
/// told where, to a fresh temporary path with `temporary`, or packed first (tgz or zip) and
/// unpacked in the guest with `compression`.
extension MachineEnvironment {
    public struct UploadOptions: Sendable {
        public var temporary: Bool
        /// nil: sent as it is; "tgz" or "zip": packed on the host, unpacked in the guest.
        public var compression: String?

        public init(temporary: Bool = false, compression: String? = nil) {
            self.temporary = temporary
            self.compression = compression
        }
    }

    /// Returns where the upload ended up in the guest.
    @discardableResult
    public func upload(_ machine: Machine, source written: String, destination given: String?, options: UploadOptions)
        async throws(MachineError) -> String
    {
        let source = HostFiles.absolute((written as NSString).expandingTildeInPath, relativeTo: FileManager.default.currentDirectoryPath)
        let kind = HostFiles.kind(of: source)
        guard kind == .regular || kind == .directory else { throw MachineError.uploadSourceMissing(written) }
        if let compression = options.compression, !["tgz", "zip"].contains(compression) {
            throw MachineError.uploadCompressionType(compression)
        }
        let (communicator, _) = try await communicator(for: machine)
        let say = output.targeting(nil)
        var destination = given ?? (source as NSString).lastPathComponent
        if options.temporary {
            let suffix = kind == .regular ? (source as NSString).pathExtension : ""
            let made = try await communicator.capture(
                kind == .directory ? "mktemp -d" : "mktemp" + (suffix.isEmpty ? "" : " --suffix=.\(suffix) 2>/dev/null || mktemp"))
            destination = made.output.trimmingCharacters(in: .whitespacesAndNewlines)
            guard made.succeeded, !destination.isEmpty else { throw MachineError.uploadFailed(made.error) }
        }
        guard let compression = options.compression else {
            say.say("Uploading \(source) to \(destination)")
            if kind == .directory {
                // The folder's contents become the destination folder's, as Vagrant sends "source/.".
                _ = try await communicator.capture("mkdir -p \(Communicator.quote(destination))")
                for entry in HostFiles.entries(of: source).sorted() {
                    try await communicator.upload(source + "/" + entry, to: destination + "/" + entry)
                }
            } else {
                try await communicator.upload(source, to: destination)
            }
            return destination
        }
        say.say("Compressing \(source) to \(compression) for upload...")
        let archive = try await packed(source, as: compression, kind: kind)
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let remote = "/tmp/boxer-upload-\(UUID().uuidString.lowercased()).\(compression)"
        say.say("Uploading \(archive) to \(remote)")
        try await communicator.upload(archive, to: remote)
        say.say("Decompressing \(compression) upload to \(destination)...")
        let unpack = compression == "zip" ? "unzip -q -o \"$a\" -d \"$t\"" : "tar -C \"$t\" -xzf \"$a\""
        let script = """
            a=\(Communicator.quote(remote)); d=\(Communicator.quote(destination)); t=$(mktemp -d) || exit 1
            \(unpack) || exit 1
            if [ \(kind == .directory ? "1" : "0") = 1 ]; then mkdir -p "$d" && cp -R "$t"/. "$d"/; else mkdir -p "$(dirname "$d")" && mv "$t"/* "$d"; fi
            s=$?; rm -rf "$t" "$a"; exit $s
            """
        let unpacked = try await communicator.capture("sh -c \(Communicator.quote(script))")
        guard unpacked.succeeded else { throw MachineError.uploadFailed(unpacked.error + unpacked.output) }
        return destination
    }

    /// The source packed into a temporary archive on the host: a folder's contents, or the file alone.
    private func packed(_ source: String, as compression: String, kind: HostFiles.Kind?) async throws(MachineError) -> String {
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-upload-\(UUID().uuidString).\(compression)").path
        let folder = kind == .directory ? source : HostFiles.parent(of: source)
        let items = kind == .directory ? ["."] : [(source as NSString).lastPathComponent]
        let result =
            compression == "zip"
            ? try await Programs.run("zip", ["-q", "-r", archive] + items, workingDirectory: folder)
            : try await Programs.run("tar", ["-czf", archive, "-C", folder] + items)
        guard result.succeeded else { throw MachineError.uploadFailed(result.error) }
        return archive
    }
}
