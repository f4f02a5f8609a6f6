import BoxArchive
import BoxerSupport
import Foundation
import Vagrantfile

/// `package`: a machine becomes a box of its provider, as `vagrant package` makes one: halted
/// first, optionally cleaned so machines made from the box start as new ones, its disks
/// written by the provider, with metadata.json, a Vagrantfile that loads `include/_Vagrantfile`
/// (`--vagrantfile`), `include/` files and info.json, compressed with boxer's own writer. The
/// box appears only when whole; the staging folder goes either way.
extension MachineEnvironment {
    public struct PackageOptions: Sendable {
        public var output: String
        public var include: [String]
        public var vagrantfile: String?
        public var info: String?
        /// Run the guest cleanup (`boxer build`'s) before halting.
        public var clean: Bool
        /// Compress the disk image itself (qcow2's own compression).
        public var compressImage: Bool

        public init(
            output: String, include: [String] = [], vagrantfile: String? = nil, info: String? = nil, clean: Bool = false,
            compressImage: Bool = false
        ) {
            self.output = output
            self.include = include
            self.vagrantfile = vagrantfile
            self.info = info
            self.clean = clean
            self.compressImage = compressImage
        }
    }

    /// The box's own Vagrantfile: it loads the packager's, as Vagrant's does; no MAC is pinned
    /// (boxer gives every machine its own).
    static let packagedVagrantfile = """
        # This Vagrantfile was written by `boxer package`. Settings for machines made from this
        # box go in include/_Vagrantfile (`boxer package --vagrantfile FILE` puts one there).
        include_vagrantfile = File.expand_path("../include/_Vagrantfile", __FILE__)
        load include_vagrantfile if File.exist?(include_vagrantfile)

        """

    public func package(_ machine: Machine, options: PackageOptions) async throws(MachineError) {
        let (provider, context) = try context(for: machine)
        let target = output.targeting(machine.name)
        guard context.folder.id != nil else { throw MachineError.packageNotCreated(machine.name) }
        let output = HostFiles.absolute(options.output, relativeTo: FileManager.default.currentDirectoryPath)
        guard !HostFiles.exists(output) else { throw MachineError.packageOutputExists(output) }
        let named = [(options.vagrantfile, "--vagrantfile"), (options.info, "--info")].compactMap { path, option in
            path.map { ($0, option) }
        }
        let inputs = options.include.map { ($0, "--include") } + named
        for (path, option) in inputs where !HostFiles.exists(HostFiles.absolute(path, relativeTo: FileManager.default.currentDirectoryPath))
        {
            throw MachineError.packageInputMissing(path, option: option)
        }
        let state = await provider.state(context)
        // What real Vagrant will need of the guest: only a running guest can be asked.
        var facts: GuestFacts?
        if state == .running, let (communicator, _) = try? await communicator(for: machine),
            let probe = try? await communicator.capture(GuestFacts.probe), probe.succeeded
        {
            facts = GuestFacts(probeOutput: probe.output)
            for warning in facts?.warnings ?? [] { target.warn(warning) }
        }
        if options.clean {
            let (communicator, _) = try await communicator(for: machine)
            target.say("Cleaning the guest for packaging (SSH host keys, machine-id, cloud-init state, logs)...")
            _ = try await communicator.capture(communicator.privileged("sh -c \(Communicator.quote(GuestCleanup.script))"))
        }
        if state == .running || state == .paused || options.clean {
            target.say("Attempting graceful shutdown of VM...")
            try await provider.stop(context, force: false, timeout: Double(machine.settings["graceful_halt_timeout"]?.int ?? 60))
            try await updateIndex(context, provider: provider, state: .poweroff)
        }
        let staging = context.folder.file("package")
        try? FileManager.default.removeItem(atPath: staging)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        do {
            try FileManager.default.createDirectory(atPath: staging + "/include", withIntermediateDirectories: true)
        } catch {
            throw MachineError.packageFailed(output, "\(error)")
        }
        target.say("Exporting VM...")
        let packaged = try await provider.packageBox(context, into: staging, compressImage: options.compressImage)
        var metadata: [String: Any] = [
            "provider": packaged.provider, "architecture": context.box?.architecture ?? HostArchitecture.current(),
        ]
        if let format = packaged.format { metadata["format"] = format }
        if let size = packaged.virtualSizeGB { metadata["virtual_size"] = size }
        do {
            let json = try JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])
            try json.write(to: URL(fileURLWithPath: staging + "/metadata.json"))
            let settings = [facts?.vagrantfileSettings, packaged.vagrantfile].compactMap { $0 }.map { $0 + "\n" }.joined()
            try Data((settings + Self.packagedVagrantfile).utf8).write(
                to: URL(fileURLWithPath: staging + "/Vagrantfile"))
            let here = FileManager.default.currentDirectoryPath
            if let vagrantfile = options.vagrantfile {
                try FileManager.default.copyItem(
                    atPath: HostFiles.absolute(vagrantfile, relativeTo: here), toPath: staging + "/include/_Vagrantfile")
            }
            for file in options.include {
                let source = HostFiles.absolute(file, relativeTo: here)
                try FileManager.default.copyItem(atPath: source, toPath: staging + "/include/" + (source as NSString).lastPathComponent)
            }
            if let info = options.info {
                try FileManager.default.copyItem(atPath: HostFiles.absolute(info, relativeTo: here), toPath: staging + "/info.json")
            }
        } catch {
            throw MachineError.packageFailed(output, "\(error)")
        }
        target.say("Compressing package to: \(output)")
        do throws(BoxArchiveError) {
            try BoxWriter().write(folder: URL(fileURLWithPath: staging), to: URL(fileURLWithPath: output))
        } catch {
            throw MachineError.packageFailed(output, error.description)
        }
    }
}
