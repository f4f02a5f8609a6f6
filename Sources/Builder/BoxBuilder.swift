import BoxArchive
import BoxStore
import BoxerSupport
import Foundation
import Machines
import Providers

/// One box that a build wrote.
public struct BuiltBox: Sendable, Equatable {
    public var provider: BoxTemplate.BoxProvider
    public var diskBytes: UInt64
    /// The box name in its catalog (`boxer/debian-12`, or `boxer/debian-12-20G` for the other sizes).
    public var boxName: String
    public var file: String
    public var sha512: String
    public var md5: String
}

/// `boxer build`: fetch → convert and resize → customize in QEMU → one box per provider and
/// disk size → SHA512SUM, MD5SUM and a catalog per box name. The work happens in a folder of
/// its own beside the output (removed at the end, kept with `keepOnError` when a step fails);
/// every box is written under a temporary name, and all are renamed once all are whole, so the
/// output folder never holds half a box or half a set.
public struct BoxBuilder: Sendable {
    public struct Options: Sendable {
        public var providers: [BoxTemplate.BoxProvider]?
        public var diskSizes: [UInt64]?
        public var output: String
        public var mirror: String?
        public var keepOnError: Bool
        public var compression: BoxCompression
        public var restrictNAT: Bool
        /// Where the boxes will be served from; the catalogs' URLs are this plus the file name.
        /// Nil: file:// URLs of the output folder.
        public var baseURL: String?
        /// What to write: boxes, plain images (qcow2, raw, vmdk), or both.
        public var formats: [OutputFormat] = [.box]
        /// Plain images gzipped (`<name>.qcow2.gz`), with the parallel gzip of boxes.
        public var gzipImages = false
        public var imageGzipLevel = 6
        /// `--upload URL`: every output PUT there after the build, and URL.txt written.
        public var upload: String?
        /// Tools ISOs named on the command line (`--guest-tools virtualbox=PATH`).
        public var guestToolsISOs: [BoxTemplate.BoxProvider: String] = [:]
        /// Customize again even when an earlier build's customized image matches.
        public var noCache = false
        /// QEMU's capability data (providers/qemu.yaml) and this host's name: a blocked guest
        /// architecture is refused before anything starts, a partial one says why.
        public var capabilities: (qemu: ProviderCapabilities, host: String)?

        public init(
            providers: [BoxTemplate.BoxProvider]? = nil, diskSizes: [UInt64]? = nil, output: String, mirror: String? = nil,
            keepOnError: Bool = false, compression: BoxCompression = .gzip(), restrictNAT: Bool = false, baseURL: String? = nil
        ) {
            self.baseURL = baseURL
            self.providers = providers
            self.diskSizes = diskSizes
            self.output = output
            self.mirror = mirror
            self.keepOnError = keepOnError
            self.compression = compression
            self.restrictNAT = restrictNAT
        }
    }

    public var home: BoxerHome
    public var log: Output
    public var downloader: Downloader
    public var host: QEMUHost

    public init(home: BoxerHome, log: Output, downloader: Downloader = Downloader(), host: QEMUHost = QEMUHost()) {
        self.home = home
        self.log = log
        self.downloader = downloader
        self.host = host
    }

    public func build(_ template: BoxTemplate, options: Options) async throws(BuildError) -> BuildResult {
        let providers = options.formats.contains(.box) ? options.providers ?? template.providers : []
        let imageFormats = options.formats.filter { $0 != .box }
        let sizes = (options.diskSizes ?? template.diskSizes).sorted()
        try checkCapabilities(template, options: options)
        guard let qemuImg = Programs.find("qemu-img", environment: host.environment) else {
            throw BuildError.qemuImgMissing()
        }
        let work = try makeWorkFolder(template, options: options)
        var succeeded = false
        var built: [BuiltBox] = []
        var images: [BuiltImage] = []
        defer {
            // Ctrl-C cleans up even with --keep-on-error, which is for failures.
            if succeeded || !options.keepOnError || Task.isCancelled {
                try? FileManager.default.removeItem(atPath: work)
                // The boxes of a failed build never replaced anything: they are still under
                // their temporary names, and go (as Packer removes its artifacts).
                if !succeeded {
                    for file in built.map(\.file) + images.map(\.file) { unlink(Self.partialName(of: file)) }
                }
            } else {
                log.warn("The build folder is kept for inspection: \(work)")
            }
        }

        // Read before anything is fetched: a missing file is a template error, not a late failure.
        let templateVagrantfile = try readBoxVagrantfile(template)
        var tools: [GuestTools] = []
        if template.guestTools {
            let plan = try GuestTools.plan(
                providers: providers, architecture: template.architecture, given: options.guestToolsISOs, environment: host.environment)
            tools = plan.tools
            for warning in plan.warnings { log.warn(warning) }
        }
        let sourceImage = SourceImage(home: home, downloader: downloader, mirror: options.mirror, environment: host.environment)
        log.say(sourceImage.describe(template))
        let source = try await sourceImage.image(for: template, log: log)
        if template.source.kind == .iso { try SourceImage.checkISO(source) }
        try BuildError.checkCancellation("the conversion")
        try checkSpace(source: source, work: work, boxes: (providers.count + imageFormats.count) * sizes.count)

        // The lock is held to the end of the build: the cached image is not deleted while this
        // build reads it.
        let (customized, cacheLock, facts) = try await customizedImage(
            template, source: source, firstSize: sizes[0], tools: tools, qemuImg: qemuImg, work: work, options: options)
        defer { cacheLock?.unlock() }
        // What real Vagrant needs that the guest lacks: settings the box's Vagrantfile starts
        // with (the template's own come after and win), and warnings for the rest.
        for warning in facts?.warnings ?? [] { log.warn(warning) }
        let guestSettings = [
            template.firmware == .efi && template.architecture == .amd64 ? Packaging.uefiVagrantfile : nil, facts?.vagrantfileSettings,
        ]
        .compactMap { $0 }.joined(separator: "\n")
        let boxVagrantfile: String? =
            switch (guestSettings.isEmpty ? nil : guestSettings, templateVagrantfile) {
            case (let settings?, let own?): settings + "\n" + own
            case (let settings?, nil): settings
            case (nil, let own): own
            }

        for (index, size) in sizes.enumerated() {
            // The first size is the customized image itself (only read from here on).
            var sized = customized
            if index > 0 {
                sized = work + "/disk-\(BoxTemplate.sizeText(size)).qcow2"
                try await run(qemuImg, ["convert", "-O", "qcow2", customized, sized], "copy the disk")
                try await run(qemuImg, ["resize", sized, String(size)], "resize the disk to \(BoxTemplate.sizeText(size))")
            }
            let boxName = index == 0 ? template.box : "\(template.box)-\(BoxTemplate.sizeText(size))"
            for provider in providers {
                try BuildError.checkCancellation("the \(provider.rawValue) box")
                built.append(
                    try await package(
                        template, provider: provider, size: size, disk: sized, boxName: boxName, vagrantfile: boxVagrantfile,
                        qemuImg: qemuImg, work: work, options: options))
            }
            for format in imageFormats {
                try BuildError.checkCancellation("the \(format.rawValue) image")
                images.append(try await writeImage(template, format: format, size: size, disk: sized, qemuImg: qemuImg, options: options))
            }
        }
        let result = BuildResult(boxes: built, images: images)
        let catalogs = try publish(result, template: template, options: options)
        succeeded = true
        // The outputs are whole and stay whatever happens to the upload.
        if let base = options.upload {
            try await upload(result, catalogs: catalogs, to: base, output: options.output)
        }
        return result
    }

    /// Only now do the new boxes replace those of an earlier build, all together, so that a
    /// build that fails half-way leaves the earlier boxes and their catalog as they were.
    /// Returns the catalogs written.
    @discardableResult
    func publish(_ result: BuildResult, template: BoxTemplate, options: Options) throws(BuildError) -> [String] {
        try BuildError.checkCancellation("the boxes were put in place")
        for file in result.files.map(\.file) {
            guard rename(Self.partialName(of: file), file) == 0 else {
                throw BuildError.cannotMoveBox(to: file, String(cString: strerror(errno)))
            }
        }
        try writeChecksums(result, output: options.output)
        guard !result.boxes.isEmpty else { return [] }
        // Uploaded boxes are listed at the upload's URL unless --base-url says otherwise.
        return try writeCatalogs(result.boxes, template: template, output: options.output, baseURL: options.baseURL ?? options.upload)
    }

    /// One box: the disk in the provider's format, its descriptor and metadata, then the archive
    /// under a temporary name (over 80 lines on purpose: one case per provider's layout).
    func package(
        _ template: BoxTemplate, provider: BoxTemplate.BoxProvider, size: UInt64, disk: String, boxName: String, vagrantfile: String?,
        qemuImg: String, work: String, options: Options
    ) async throws(BuildError) -> BuiltBox {
        let sizeText = BoxTemplate.sizeText(size)
        let folder = work + "/\(provider.rawValue)-\(sizeText)"
        let architecture = template.architecture.rawValue
        log.say("Packaging the \(provider.rawValue) box (\(sizeText))")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw BuildError.cannotCreate(folder, error.localizedDescription)
        }
        let machine = Packaging.Machine(
            name: boxName.replacingOccurrences(of: "/", with: "-"), template: template, diskBytes: size,
            baseMAC: Self.baseMAC(for: boxName + sizeText))
        switch provider {
        case .libvirt:
            // The disk is a compacted qcow2 already, only read from here on: linked, not copied
            // (copied across filesystems, and when the build folder may be kept: a kept box.img
            // that someone boots must not be the cached image).
            if options.keepOnError || link(disk, folder + "/box.img") != 0 {
                try await run(qemuImg, ["convert", "-O", "qcow2", disk, folder + "/box.img"], "write box.img")
            }
            let gigabytes = Int((size + (1 << 30) - 1) >> 30)
            try write(
                Packaging.metadata(provider: "libvirt", extra: ["format": "qcow2", "virtual_size": gigabytes], architecture: architecture),
                to: folder + "/metadata.json")
        case .virtualbox:
            let vmdk = "box-disk001.vmdk"
            try await run(
                qemuImg, ["convert", "-O", "vmdk", "-o", "subformat=streamOptimized", disk, folder + "/" + vmdk],
                "write the VirtualBox disk")
            let fileBytes = UInt64(
                (try? FileManager.default.attributesOfItem(atPath: folder + "/" + vmdk)[.size] as? NSNumber)??.uint64Value ?? 0)
            try write(
                Data(OVFDescriptor.envelope(Packaging.newVM(machine), disk: vmdk, diskFileBytes: fileBytes, baseMAC: machine.baseMAC).utf8),
                to: folder + "/box.ovf")
            // base_mac first; the template's own settings after it, as Packer's vagrantfile_template.
            let combined = Packaging.virtualBoxVagrantfile(baseMAC: machine.baseMAC) + (vagrantfile.map { "\n" + $0 } ?? "")
            try write(Data(combined.utf8), to: folder + "/Vagrantfile")
            try write(Packaging.metadata(provider: "virtualbox", architecture: architecture), to: folder + "/metadata.json")
        case .vmwareDesktop:
            try await run(
                qemuImg, ["convert", "-O", "vmdk", "-o", "subformat=monolithicSparse", disk, folder + "/disk.vmdk"], "write the VMware disk"
            )
            try write(Data(VMXFile.newVM(Packaging.newVM(machine), disk: "disk.vmdk").utf8), to: folder + "/\(machine.name).vmx")
            try write(Packaging.metadata(provider: "vmware_desktop", architecture: architecture), to: folder + "/metadata.json")
        case .parallels:
            let hdd = folder + "/box.pvm/" + ParallelsBundle.diskFolder
            do {
                try FileManager.default.createDirectory(atPath: hdd, withIntermediateDirectories: true)
            } catch {
                throw BuildError.cannotCreate(hdd, error.localizedDescription)
            }
            try await run(qemuImg, ["convert", "-O", "parallels", disk, hdd + "/" + ParallelsBundle.imageFile], "write the Parallels disk")
            try write(Data(ParallelsBundle.diskDescriptor(diskBytes: size, uid: UUID()).utf8), to: hdd + "/DiskDescriptor.xml")
            let mac = "001C42" + String(machine.baseMAC.suffix(6))
            try write(
                Data(ParallelsBundle.config(Packaging.newVM(machine), vmUUID: UUID(), diskUUID: UUID(), mac: mac).utf8),
                to: folder + "/box.pvm/config.pvs")
            try write(Packaging.metadata(provider: "parallels", architecture: architecture), to: folder + "/metadata.json")
        }
        if let vagrantfile, provider != .virtualbox {
            try write(Data(vagrantfile.utf8), to: folder + "/Vagrantfile")
        }
        try write(Packaging.info(machine), to: folder + "/info.json")
        let file = options.output + "/\(template.name)-\(sizeText)-\(provider.rawValue).box"
        let partial = Self.partialName(of: file)
        let written: WrittenBox
        do {
            written = try BoxWriter(compression: options.compression, checksums: [.sha512, .md5]).write(
                folder: URL(fileURLWithPath: folder), to: URL(fileURLWithPath: partial))
        } catch {
            unlink(partial)
            let said = "\(error)"
            throw BuildError.cannotWrite(file, said, advice: said.contains("No space left") ? Self.fullDiskAdvice(file) : "")
        }
        if Task.isCancelled {
            unlink(partial)
            throw BuildError.interruptedWhileWriting(file)
        }
        try? FileManager.default.removeItem(atPath: folder)
        log.detail("\(file) (\(written.bytes >> 20) MiB)")
        return BuiltBox(
            provider: provider, diskBytes: size, boxName: boxName, file: file,
            sha512: written.checksums[.sha512] ?? "", md5: written.checksums[.md5] ?? "")
    }

    /// One catalog per box name (a disk size), with an entry per provider: what `boxer box add`
    /// and `vagrant box add` read. URLs are absolute: Vagrant 2.3 resolves a relative one
    /// against its working folder, not against the catalog.
    @discardableResult
    func writeCatalogs(_ boxes: [BuiltBox], template: BoxTemplate, output: String, baseURL: String?) throws(BuildError) -> [String] {
        var written: [String] = []
        let base = baseURL.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? URL(fileURLWithPath: output, isDirectory: true).absoluteString
        for boxName in Array(Set(boxes.map(\.boxName))).sorted() {
            let entries = boxes.filter { $0.boxName == boxName }.map { box -> [String: Any] in
                [
                    "name": box.provider.rawValue, "url": base + (box.file as NSString).lastPathComponent, "checksum_type": "sha512",
                    "checksum": box.sha512,
                    "architecture": template.architecture.rawValue, "default_architecture": true,
                ]
            }
            var catalog: [String: Any] = ["name": boxName, "versions": [["version": template.version, "providers": entries]]]
            if let description = template.description { catalog["description"] = description }
            guard let data = try? JSONSerialization.data(withJSONObject: catalog, options: [.sortedKeys, .prettyPrinted]) else {
                throw BuildError.cannotEncodeCatalog(boxName)
            }
            let suffix = boxName == template.box ? "" : "-" + String(boxName.dropFirst(template.box.count + 1))
            try write(data, to: output + "/\(template.name)\(suffix).json")
            written.append(output + "/\(template.name)\(suffix).json")
        }
        return written
    }

    func run(_ program: String, _ arguments: [String], _ what: String) async throws(BuildError) {
        log.trace("run: \(([program] + arguments).joined(separator: " "))")
        let result: Programs.Result
        do { result = try await Programs.run(program, arguments) } catch { throw BuildError.passing(error.message, as: .tool) }
        guard result.succeeded else {
            let said = result.error.trimmingCharacters(in: .whitespacesAndNewlines)
            let full = said.contains("No space left")
            // The file written is the last path among the arguments (`resize DISK SIZE` ends in a size).
            let written = arguments.last { $0.hasPrefix("/") } ?? ""
            throw BuildError.stepFailed(
                what, program: (program as NSString).lastPathComponent, arguments: arguments.joined(separator: " "), said: said,
                advice: full ? Self.fullDiskAdvice(written) : "", as: full ? .io : .tool)
        }
    }

    func write(_ data: Data, to path: String) throws(BuildError) {
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw BuildError.cannotWrite(path, error.localizedDescription)
        }
    }

    /// Where a box is written until the whole build succeeded: hidden, beside its final name.
    static func partialName(of file: String) -> String {
        HostFiles.parent(of: file) + "/." + (file as NSString).lastPathComponent + ".partial"
    }

    /// What to do when the disk holding `path` is full, with what is free there now.
    static func fullDiskAdvice(_ path: String) -> String {
        let folder = HostFiles.parent(of: path)
        let free = (try? DiskSpace.available(at: URL(fileURLWithPath: folder))).map { " (\(DiskSpace.format($0)) free now)" } ?? ""
        return ". The disk holding \(folder) is full\(free): make room there, or build into a folder on a larger disk (--output)."
    }

    /// Refuses a build that cannot fit, before the first copy: the working disk alone needs the
    /// source image's size. Warns when the whole build (a few copies of the disk, one box per
    /// provider and size) likely will not fit.
    func checkSpace(source: String, work: String, boxes: Int) throws(BuildError) {
        let sourceBytes = Int64((try? FileManager.default.attributesOfItem(atPath: source)[.size] as? NSNumber)??.int64Value ?? 0)
        guard let free = try? DiskSpace.available(at: URL(fileURLWithPath: work)) else { return }
        let needed = sourceBytes + (64 << 20)
        guard free >= needed else {
            throw BuildError.notEnoughSpace(work, free: DiskSpace.format(free), needed: DiskSpace.format(needed))
        }
        let likely = sourceBytes * Int64(3 + 2 * boxes)
        if free < likely {
            log.warn(
                "The disk holding \(work) has \(DiskSpace.format(free)) free; this build may need about \(DiskSpace.format(likely)) (the image, its copies and \(boxes) box\(boxes == 1 ? "" : "es"))."
            )
        }
    }

    /// VirtualBox's OUI (08:00:27) and three bytes from the box's name: stable per box.
    static func baseMAC(for name: String) -> String {
        let hash = StableHash.fnv1a(name)
        return String(format: "080027%02X%02X%02X", (hash >> 16) & 0xff, (hash >> 8) & 0xff, hash & 0xff)
    }
}
