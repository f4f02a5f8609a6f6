import BoxerSupport
import Foundation
import Machines
import Providers

/// The steps of `build` before packaging: what the host can run, the work folder, the box's
/// Vagrantfile, and the customized image (from the cache, or converted and customized now).
extension BoxBuilder {
    /// The capability data's verdict on this image with QEMU here: a partial or untested cell is
    /// said, a blocked one stops the build before anything is fetched.
    func checkCapabilities(_ template: BoxTemplate, options: Options) throws(BuildError) {
        if let (qemu, hostName) = options.capabilities {
            let cell = qemu.guestCell(host: hostName, guest: template.architecture.rawValue)
            let why = [cell.reason, cell.reference.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
            switch cell.status {
            case .supported: break
            case .partial, .untested:
                log.say("\(template.architecture.rawValue) guests on \(hostName) with QEMU: \(cell.status.rawValue): \(why)")
            case .blocked, .unavailable:
                throw BuildError.hostCannotRun(
                    template.name, architecture: template.architecture.rawValue, host: hostName, why: why, capabilities: qemu.file)
            }
        }
    }

    /// A folder of its own beside the output, for this build only.
    func makeWorkFolder(_ template: BoxTemplate, options: Options) throws(BuildError) -> String {
        do {
            try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
        } catch {
            throw BuildError.cannotCreateOutputFolder(options.output, error.localizedDescription)
        }
        let work = options.output + "/.boxer-build-\(template.name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: work)
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        } catch {
            throw BuildError.cannotCreate(work, error.localizedDescription)
        }
        return work
    }

    /// The template's `vagrantfile:` for the boxes, read before anything is fetched.
    func readBoxVagrantfile(_ template: BoxTemplate) throws(BuildError) -> String? {
        guard let path = template.vagrantfile else { return nil }
        let file = HostFiles.absolute(path, relativeTo: HostFiles.parent(of: template.file))
        do { return try HostFiles.readText(at: file, limit: 1 << 20) } catch {
            throw BuildError.cannotReadVagrantfile(file, template: template.file)
        }
    }

    /// The customized image, the cache's lock on it (nil when it is not in the cache) and what the
    /// guest told of itself (nil for a cached image from before boxer asked): an
    /// earlier build's with the same key, or the source converted, grown, customized in QEMU
    /// and compacted now (and kept for later builds when the customization was clean).
    func customizedImage(
        _ template: BoxTemplate, source: String, firstSize: UInt64, tools: [GuestTools], qemuImg: String, work: String,
        options: Options
    ) async throws(BuildError) -> (String, FileLock?, GuestFacts?) {
        let cache = CustomizedImageCache(home: home)
        let key = try cache.key(template: template, source: source, firstSize: firstSize, tools: tools)
        if !options.noCache, let cached = cache.lookup(template, key: key), let lock = cache.use(cached),
            cache.lookup(template, key: key) != nil
        {
            log.say(
                "Reusing the customized image of an earlier build with the same source, provisioning and tools (--no-cache customizes again)"
            )
            log.detail(cached)
            return (cached, lock, cache.facts(of: cached))
        }
        let disk = work + "/disk.qcow2"
        if template.source.kind == .iso {
            log.say("Creating an empty \(BoxTemplate.sizeText(firstSize)) disk for the installer")
            try await run(qemuImg, ["create", "-q", "-f", "qcow2", disk, String(firstSize)], "create the disk")
        } else {
            log.say("Converting the image to qcow2 and growing it to \(BoxTemplate.sizeText(firstSize))")
            try await run(qemuImg, ["convert", "-f", template.source.format, "-O", "qcow2", source, disk], "convert the source image")
            try await run(qemuImg, ["resize", disk, String(firstSize)], "resize the disk")
        }

        try BuildError.checkCancellation("the customization")
        var customizer = Customizer(host: host, home: home, log: log, restrictNAT: options.restrictNAT)
        customizer.remoteFolder = template.remoteFolder
        // How long a guest gets to power off after the cleanup (seconds, default 300).
        if let seconds = host.environment["BOXER_POWEROFF_TIMEOUT"].flatMap(Double.init), seconds > 0 {
            customizer.powerOffTimeout = seconds
        }
        let outcome = try await customizer.customize(
            disk: disk, template: template, work: work, tools: tools, installerISO: template.source.kind == .iso ? source : nil)

        try BuildError.checkCancellation("the compaction")
        // Rewritten whole: the blocks the guest trimmed are not carried into the boxes.
        let compact = work + "/compact.qcow2"
        log.say("Compacting the disk")
        try await run(qemuImg, ["convert", "-O", "qcow2", disk, compact], "compact the disk")
        unlink(disk)
        guard outcome.isClean else {
            // Not a result to start from again: the next build must try its tools again.
            log.detail("The customized image is not kept for later builds: \(outcome.problems.joined(separator: "; ")).")
            return (compact, nil, outcome.facts)
        }
        do {
            let (stored, lock) = try cache.store(compact, for: template, key: key)
            if let facts = outcome.facts { cache.keep(facts, of: stored) }
            return (stored, lock, outcome.facts)
        } catch {
            log.warn(error.message)
            return (compact, nil, outcome.facts)
        }
    }
}
