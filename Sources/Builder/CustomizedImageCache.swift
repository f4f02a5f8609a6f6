import BoxerSupport
import Crypto
import Foundation
import Machines

/// The customized, compacted disk of a build, kept under `$BOXER_HOME/cache/builds`: a build
/// that failed after the customization (a full disk, a packaging error, Ctrl-C) or that only
/// changes compression or output starts again from it instead of booting the guest again.
/// The key is everything that goes into the image: the source image, the first disk size, the
/// firmware, every provisioning step's text, the guest tools and boxer's cleanup script.
/// One image per template is kept; a build holds a shared lock on the image it uses, so that
/// another build of the same template never deletes it from under it.
struct CustomizedImageCache {
    let folder: String

    init(home: BoxerHome) {
        folder = home.path + "/cache/builds"
    }

    func key(template: BoxTemplate, source: String, firstSize: UInt64, tools: [GuestTools]) throws(BuildError) -> String {
        var hasher = SHA256()
        func add(_ text: String) { hasher.update(data: Data((text + "\u{0}").utf8)) }
        add("boxer customized image v2")
        // What boxer itself puts into the guest: the seed (user, key, network) and the cleanup.
        add(Customizer.cleanup)
        add(Customizer.networkConfig)
        add(VagrantInsecureKey.publicKey)
        add("\(template.architecture.rawValue) \(template.firmware.rawValue) \(template.osFamily) \(firstSize)")
        add(Self.identity(of: source))
        let folder = HostFiles.parent(of: template.file)
        for step in template.provisioning {
            switch step {
            case .shell(let text):
                add("shell " + text)
            case .script(let path):
                let file = HostFiles.absolute(path, relativeTo: folder)
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw BuildError.cannotReadScript(file, template: template.file)
                }
                add("script " + path)
                hasher.update(data: contents)
            }
        }
        if template.bootstrap { add("bootstrap " + VMBootstrap.installScript) }
        if let install = template.install {
            // The boot command and every served file shape the installed system.
            add("install \(install.bootCommand) \(install.sshUsername) \(install.shutdownCommand ?? "")")
            for (path, text) in install.httpContent.sorted(by: { $0.key < $1.key }) { add("content \(path) \(text)") }
            if let directory = install.httpDirectory {
                let root = HostFiles.absolute(directory, relativeTo: folder)
                let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
                for name in files where HostFiles.kind(of: root + "/" + name) == .regular {
                    add("served " + name)
                    hasher.update(data: FileManager.default.contents(atPath: root + "/" + name) ?? Data())
                }
            }
        }
        for tool in tools {
            add("tools \(tool.provider.rawValue) \(tool.iso.map(Self.identity(of:)) ?? "") \(tool.script)")
        }
        return hasher.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// A file by path, size and modification time: the source cache replaces a file only when
    /// its content changed, so this is as good as its digest and costs nothing.
    static func identity(of path: String) -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { return path }
        return "\(path) \(status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
    }

    func path(for template: BoxTemplate, key: String) -> String {
        folder + "/\(template.name)-\(key).qcow2"
    }

    func lookup(_ template: BoxTemplate, key: String) -> String? {
        let path = path(for: template, key: key)
        return HostFiles.kind(of: path) == .regular ? path : nil
    }

    /// A shared lock on `image` for as long as a build uses it (nil if it cannot be taken).
    func use(_ image: String) -> FileLock? {
        try? FileLock.acquire(URL(fileURLWithPath: image + ".lock"), mode: .shared)
    }

    /// Moves (or copies, across filesystems) `disk` into the cache and returns where it is,
    /// locked for this build. Older images of the same template go, unless a build uses them.
    func store(_ disk: String, for template: BoxTemplate, key: String) throws(BuildError) -> (path: String, lock: FileLock?) {
        let target = path(for: template, key: key)
        let partial = target + ".partial-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if rename(disk, partial) != 0 {
                guard errno == EXDEV else {
                    throw BuildError.cannotMove(disk, to: partial, String(cString: strerror(errno)))
                }
                try FileManager.default.copyItem(atPath: disk, toPath: partial)
            }
            guard rename(partial, target) == 0 else {
                throw BuildError.cannotMove(partial, to: target, String(cString: strerror(errno)))
            }
        } catch {
            unlink(partial)
            let reason = (error as? BuildError)?.message ?? error.localizedDescription
            throw BuildError.customizedImageNotKept(reason)
        }
        let lock = use(target)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix(template.name + "-") && name.hasSuffix(".qcow2") {
            // Only this template's images, "<name>-<16 hex>.qcow2", and none that a build holds.
            let rest = name.dropFirst(template.name.count + 1).dropLast(6)
            let image = folder + "/" + name
            guard rest.count == 16, rest.allSatisfy(\.isHexDigit), image != target,
                let unused = try? FileLock.acquire(URL(fileURLWithPath: image + ".lock"), mode: .exclusive, wait: false)
            else { continue }
            unlink(image)
            unlink(image + ".facts.json")
            unlink(image + ".lock")
            unused.unlock()
        }
        return (target, lock)
    }

    /// The guest's facts kept beside a cached image (`<image>.facts.json`).
    func keep(_ facts: GuestFacts, of image: String) {
        guard let data = try? JSONEncoder().encode(facts) else { return }
        try? PrivateFiles.writeAtomically(image + ".facts.json", String(decoding: data, as: UTF8.self))
    }

    func facts(of image: String) -> GuestFacts? {
        guard let data = FileManager.default.contents(atPath: image + ".facts.json") else { return nil }
        return try? JSONDecoder().decode(GuestFacts.self, from: data)
    }
}
