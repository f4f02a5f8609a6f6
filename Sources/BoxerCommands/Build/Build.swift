import ArgumentParser
import BoxStore
import BoxerSupport
import Builder
import Foundation
import Machines
import Providers

struct Build: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build boxes from a distribution's cloud image (box templates).",
        discussion: """
            Templates are the YAML files of the repository's boxes/ folder (or $BOXER_TEMPLATES); \
            boxes/README.md documents the format, and `boxer build --list` shows them. A build \
            fetches the source image into $BOXER_HOME/cache/images (resumed, shared, checked \
            against the template's checksum), converts and grows it with qemu-img, boots it in \
            QEMU with a NoCloud seed that creates the vagrant user with Vagrant's insecure key \
            (or, from an installer ISO, types the boot command over QMP, serves the answer file, \
            ejects the ISO at the installer's reboot and boots the installed system), \
            runs the template's provisioning over SSH, cleans the guest up and powers it off, and \
            writes one box per provider and disk size into --output, with SHA512SUM, MD5SUM and \
            a catalog per box name for `boxer box add` or `vagrant box add`. With --format, plain \
            qcow2, raw or vmdk images (gzipped with --gzip-images) are written beside the boxes or \
            instead of them, and listed in the same checksum files (also as SHA512SUM.txt and \
            MD5SUM.txt). --upload PUTs everything to a file server and writes URL.txt.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "List the templates.")
    var list = false

    @Argument(help: "A template name (see --list) or the path of a template file.")
    var template: String?

    @Option(
        name: .customLong("provider"), parsing: .singleValue,
        help: "Only these providers (libvirt, virtualbox, vmware_desktop, parallels); repeat or separate with commas.")
    var providers: [String] = []

    @Option(
        name: .customLong("disk-size"), parsing: .singleValue, help: "Only these disk sizes (e.g. 10G); repeat or separate with commas.")
    var diskSizes: [String] = []

    @Option(
        name: .customLong("format"), parsing: .singleValue,
        help: "What to write: box (the default), qcow2, raw, vmdk; repeat or separate with commas.")
    var formats: [String] = []

    @Flag(help: "Gzip the plain images (--format qcow2, raw, vmdk) with every core, at --level.")
    var gzipImages = false

    @Option(name: .customLong("output"), help: ArgumentHelp("Where the boxes go.", valueName: "output"))
    var destination = "output"

    @Option(help: "A mirror of the source image's server (its scheme and host replace the template URL's).")
    var mirror: String?

    @Option(
        help: ArgumentHelp(
            "Where the boxes will be published: the catalogs' URLs are this plus the box's file name.",
            discussion:
                "By default they are file:// URLs of --output, which `boxer box add` and `vagrant box add` read from any folder (Vagrant resolves a relative URL against its working folder, not the catalog)."
        ))
    var baseURL: String?

    @Option(
        help: ArgumentHelp(
            "After the build, PUT every output to this URL (a file server), resumably, and write URL.txt.",
            discussion:
                "Each box, image, catalog and checksum file goes to URL/<file name> with its MD5 in Content-MD5; a transfer that breaks off is resumed (Content-Range) and the server must report the file's size afterwards. URL.txt lists each URL and its MD5, and is written only once every file is up. The catalogs' URLs are this one unless --base-url says otherwise."
        ))
    var upload: String?

    @Option(
        name: .customLong("guest-tools"), parsing: .singleValue,
        help: ArgumentHelp(
            "A guest tools ISO: virtualbox=PATH (VBoxGuestAdditions.iso) or parallels=PATH (prl-tools-lin.iso); repeatable.",
            discussion:
                "Without it boxer looks where VirtualBox and Parallels Desktop install them, and in $BOXER_VIRTUALBOX_ADDITIONS and $BOXER_PARALLELS_TOOLS. VMware's boxes get open-vm-tools from the distribution."
        ))
    var guestTools: [String] = []

    @Option(
        help: ArgumentHelp(
            "Also write a full trace to this file: every step and command, and the guest's serial console.",
            discussion: "BOXER_LOG=1 prints the same trace on standard error."))
    var log: String?

    @Flag(
        help: ArgumentHelp(
            "Customize the image again even when an earlier build's customized image matches.",
            discussion:
                "boxer keeps the last customized image of each template under $BOXER_HOME/cache/builds, keyed by the source image, disk size, provisioning and guest tools; a build that failed after customizing, or that only changes compression, output or the other disk sizes, starts from it (the guest tools are part of the key, so a different set of providers with tools customizes again)."
        ))
    var noCache = false

    @Flag(help: "Keep the build folder when a step fails.")
    var keepOnError = false

    @OptionGroup var compression: CompressionOptions

    /// `--format`'s names, repeated or separated with commas.
    var formatNames: [String] { formats.flatMap { $0.split(separator: ",") }.map(String.init) }

    func validate() throws {
        if !list, template == nil { throw ValidationError("Name a template (boxer build --list shows them).") }
        for name in formatNames where OutputFormat(rawValue: name) == nil {
            throw ValidationError("--format \(name) is not one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if gzipImages, !formatNames.isEmpty, formatNames.allSatisfy({ $0 == "box" }) {
            throw ValidationError("--gzip-images is for plain images: add --format qcow2, raw or vmdk.")
        }
        if let upload, !["http", "https"].contains(URL(string: upload)?.scheme?.lowercased() ?? "") {
            throw ValidationError("--upload \(upload) is not an http(s) URL such as https://files.example.com/images/.")
        }
        if let baseURL, URL(string: baseURL)?.scheme == nil {
            throw ValidationError("--base-url \(baseURL) is not a URL such as https://example.com/boxes/.")
        }
    }

    func run() async throws {
        let output = global.makeOutput()
        guard let library = TemplateLibrary.locate(executable: currentExecutable()) else {
            throw CommandError.noTemplates
        }
        if list { return try printList(library, on: output) }
        let chosen: BoxTemplate
        chosen = try library.template(template ?? "")
        var selectedProviders: [BoxTemplate.BoxProvider]?
        if !providers.isEmpty {
            selectedProviders = try providers.flatMap { $0.split(separator: ",") }.map { name in
                guard let provider = BoxTemplate.BoxProvider(rawValue: String(name)) else {
                    throw ValidationError(
                        "--provider \(name) is not one of \(BoxTemplate.BoxProvider.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return provider
            }
        }
        var sizes: [UInt64]?
        if !diskSizes.isEmpty {
            sizes = try diskSizes.flatMap { $0.split(separator: ",") }.map { text in
                guard let bytes = BoxTemplate.size(String(text)), bytes >= 1 << 30 else {
                    throw ValidationError("--disk-size \(text) is not a size of 1G or more, such as 20G.")
                }
                return bytes
            }
        }
        var toolISOs: [BoxTemplate.BoxProvider: String] = [:]
        for item in guestTools {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let provider = BoxTemplate.BoxProvider(rawValue: parts[0]),
                provider == .virtualbox || provider == .parallels
            else {
                throw ValidationError("--guest-tools \(item) is not virtualbox=PATH or parallels=PATH.")
            }
            toolISOs[provider] = HostFiles.absolute(parts[1], relativeTo: HostFiles.currentDirectory())
        }
        let environment = ProcessInfo.processInfo.environment
        let restrict = environment["BOXER_QEMU_RESTRICT"].map { $0 == "1" || $0 == "true" } ?? false
        var settings = BoxBuilder.Options(
            providers: selectedProviders, diskSizes: sizes,
            output: HostFiles.absolute(destination, relativeTo: HostFiles.currentDirectory()),
            mirror: mirror, keepOnError: keepOnError, compression: compression.method, restrictNAT: restrict, baseURL: baseURL)
        settings.guestToolsISOs = toolISOs
        settings.upload = upload
        if !formatNames.isEmpty {
            var chosen: [OutputFormat] = []
            for format in formatNames.compactMap(OutputFormat.init(rawValue:)) where !chosen.contains(format) { chosen.append(format) }
            settings.formats = chosen
        }
        settings.gzipImages = gzipImages
        if case .gzip(let level) = compression.method { settings.imageGzipLevel = level }
        settings.noCache = noCache
        // The capability data says what QEMU does with this architecture here (skipped, with
        // a word, when the data is not installed).
        if let folder = CapabilityMatrix.locate(executable: currentExecutable()) {
            if let qemu = try CapabilityMatrix.load(folder: folder).provider("qemu") {
                settings.capabilities = (qemu, CapabilityProbe(environment: environment).currentHost())
            }
        }
        let options = settings
        let recorder = try BuildRecorder(
            output.renderer, logFile: log.map { HostFiles.absolute($0, relativeTo: HostFiles.currentDirectory()) }, environment: environment
        )
        let buildOutput = Output(recorder, target: chosen.name)
        let builder = BoxBuilder(home: BoxerHome(), log: buildOutput, downloader: Downloader(progress: buildOutput.targeting("box")))
        let started = Date()
        let built: BuildResult
        do {
            let stopping: @Sendable (Interruption.Interrupted) -> Void = { signal in
                buildOutput.error("\(signal.name): stopping the build (QEMU, temporary files); press Ctrl-C again to quit at once.")
            }
            built = try await Interruption.cancelling(onSignal: stopping) {
                try await Programs.$ownProcessGroups.withValue(true) { () async throws(BuildError) -> BuildResult in
                    try await builder.build(chosen, options: options)
                }
            }
        } catch let interrupted as Interruption.Interrupted {
            throw BuildError.buildInterrupted(chosen.name, interrupted, output: options.output)
        }
        let counts = [
            built.boxes.isEmpty ? nil : "\(built.boxes.count) box\(built.boxes.count == 1 ? "" : "es")",
            built.images.isEmpty ? nil : "\(built.images.count) image\(built.images.count == 1 ? "" : "s")",
        ].compactMap { $0 }
        buildOutput.say("Built \(counts.joined(separator: " and ")) in \(Int(Date().timeIntervalSince(started))) s:")
        for file in built.boxes.map(\.file) + built.images.map(\.file) { buildOutput.text("    \(file)") }
        Self.recordArtifacts(built, on: buildOutput)
        // Said again at the end, where they are seen: what the boxes lack.
        for warning in recorder.warnings { buildOutput.warn(warning) }
    }

    /// Packer's machine-readable artifact records, one artifact per box and per plain image, so that scripts written
    /// for `packer build -machine-readable` find the boxes the same way.
    static func recordArtifacts(_ result: BuildResult, on output: Output) {
        output.record("artifact-count", String(result.boxes.count + result.images.count))
        var index = 0
        func artifact(builder: String, id: String, string: String, file: String, sha512: String) {
            let number = String(index)
            index += 1
            output.record("artifact", number, "builder-id", builder)
            output.record("artifact", number, "id", id)
            output.record("artifact", number, "string", string)
            output.record("artifact", number, "files-count", "1")
            output.record("artifact", number, "file", "0", file)
            output.record("artifact", number, "sha512", sha512)
            output.record("artifact", number, "end")
        }
        for box in result.boxes {
            artifact(
                builder: "boxer.\(box.provider.rawValue)", id: box.boxName,
                string: "'\(box.provider.rawValue)' box \(box.boxName) (\(box.diskBytes >> 30) GiB disk): \(box.file)", file: box.file,
                sha512: box.sha512)
        }
        for image in result.images {
            artifact(
                builder: "boxer.image", id: (image.file as NSString).lastPathComponent,
                string:
                    "\(image.format.rawValue) image (\(image.diskBytes >> 30) GiB disk\(image.gzipped ? ", gzipped" : "")): \(image.file)",
                file: image.file, sha512: image.sha512)
        }
    }

    func printList(_ library: TemplateLibrary, on output: Output) throws {
        let templates = try library.all()
        for template in templates {
            output.targeting(template.name).record(
                "template", template.box, template.version, template.architecture.rawValue, template.firmware.rawValue,
                template.diskSizes.map(BoxTemplate.sizeText).joined(separator: ","),
                template.providers.map(\.rawValue).joined(separator: ","))
        }
        guard !output.isMachineReadable else { return }
        let width = max(20, (templates.map(\.name.count).max() ?? 0) + 2)
        output.text("Templates in \(library.folder):\n")
        let columns: [(String, Int)] = [("NAME", width), ("BOX", 22), ("VERSION", 10), ("ARCH", 7), ("FIRMWARE", 10), ("DISKS", 14)]
        output.text(columns.map { $0.0.padded(to: $0.1) }.joined() + "PROVIDERS")
        for template in templates {
            let disks: String = template.diskSizes.map(BoxTemplate.sizeText).joined(separator: ",")
            let providers: String = template.providers.map(\.rawValue).joined(separator: ",")
            var line: String = template.name.padded(to: width) + template.box.padded(to: 22)
            line += template.version.padded(to: 10) + template.architecture.rawValue.padded(to: 7)
            line += template.firmware.rawValue.padded(to: 10) + disks.padded(to: 14) + providers
            output.text(line)
        }
    }
}
