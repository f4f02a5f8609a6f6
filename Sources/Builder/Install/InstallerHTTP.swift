import BoxerSupport
import Foundation
import Providers

/// The folder an installer's HTTP server serves: a copy of the template's `http_directory` with
/// `http_content` written over it, in the build's work folder (so that the guest sees the files
/// as they were when the build started).
struct InstallerHTTP {
    let root: String
    let requestLog: String

    init(work: String) {
        root = work + "/http"
        requestLog = work + "/http-requests.log"
    }

    /// The folder, ready; every file the boot command names on the server must be in it.
    func prepare(_ install: BoxTemplate.Install, template: BoxTemplate) throws(BuildError) {
        let manager = FileManager.default
        try? manager.removeItem(atPath: root)
        do {
            if let directory = install.httpDirectory {
                let source = HostFiles.absolute(directory, relativeTo: HostFiles.parent(of: template.file))
                guard HostFiles.kind(of: source) == .directory else {
                    throw BuildError.httpDirectoryMissing(source, template: template.file)
                }
                try manager.copyItem(atPath: source, toPath: root)
            } else {
                try manager.createDirectory(atPath: root, withIntermediateDirectories: true)
            }
            for (path, text) in install.httpContent {
                let file = root + path
                try manager.createDirectory(atPath: HostFiles.parent(of: file), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            }
            try Data().write(to: URL(fileURLWithPath: requestLog))
        } catch let error as BuildError {
            throw error
        } catch {
            throw BuildError.cannotCreate(root, error.localizedDescription)
        }
        // A folder named for cloud-init's NoCloud (Ubuntu's autoinstall) must hold its two files.
        let nocloud = install.bootCommand.joined().contains("nocloud")
        for named in Self.servedPaths(in: install.bootCommand) {
            let files = named.hasSuffix("/") ? (nocloud ? [named + "user-data", named + "meta-data"] : []) : [named]
            for path in files where HostFiles.kind(of: root + path) != .regular {
                throw BuildError.answerFileNotServed(path, template: template.file, directory: install.httpDirectory)
            }
        }
    }

    /// The paths the boot command asks of the server: what follows `{{ .HTTPPort }}` up to a
    /// space, quote or special key (`…:{{ .HTTPPort }}/ks.cfg<enter>` is /ks.cfg).
    static func servedPaths(in lines: [String]) -> [String] {
        let text = lines.joined()
        var paths: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: ".HTTPPort") {
            rest = rest[range.upperBound...]
            guard let close = rest.range(of: "}}") else { break }
            let after = rest[close.upperBound...]
            let path = after.prefix { !" \t\"'<;".contains($0) }
            // "?" ends the path; nocloud's "s=…/" is a folder.
            let clean = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if clean.hasPrefix("/") { paths.append(clean) }
        }
        return paths
    }

    /// What the guest asked for, one `<status> <method> <path>` per line.
    func requests() -> [String] {
        ((try? HostFiles.readText(at: requestLog, limit: 1 << 20)) ?? "").split(separator: "\n").map(String.init)
    }
}
