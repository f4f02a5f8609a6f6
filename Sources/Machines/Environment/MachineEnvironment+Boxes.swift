import BoxArchive
import BoxStore
import BoxerSupport
import Foundation
import Vagrantfile

/// Boxes on demand: a machine whose box is missing gets it added as `vagrant up` adds it, from
/// `config.vm.box_url` or the box server, with the machine's `box_download_*` settings.
extension MachineEnvironment {
    /// Adds the box `machine` needs and returns it installed. Machines of one `up` that need the
    /// same box share one download.
    func installBox(for machine: Machine, provider: any Provider) async throws(MachineError) -> BoxMatch? {
        guard let boxName = machine.box, !boxName.isEmpty else { return nil }
        let request = Self.addRequest(for: machine, formats: provider.boxFormats)
        // Machines share an add only when they ask for exactly the same thing.
        let key = [
            boxName, machine.boxVersion ?? "", provider.boxFormats.joined(separator: ","), machine.boxURL.joined(separator: " "),
            request.architecture ?? "", request.serverURL ?? "", request.checksum.map { "\($0.type):\($0.value)" } ?? "",
        ].joined(separator: "\n")
        let target = output.targeting(machine.name)
        let home = home
        let root = environment.root
        let downloader = Self.downloader(for: machine, output: target)
        let outcome = await boxInstalls.once(key) { () async -> BoxStoreError? in
            target.say("Box '\(boxName)' could not be found. Attempting to find and install...")
            target.detail("Box Provider: \(provider.boxFormats.joined(separator: ", "))")
            target.detail("Box Version: \(machine.boxVersion ?? ">= 0")")
            do throws(BoxStoreError) {
                var adder = BoxAdder(store: try BoxStore(home: home), workingDirectory: URL(fileURLWithPath: root), downloader: downloader)
                adder.output = target
                try await adder.add(request)
                return nil
            } catch {
                // Added meanwhile by another boxer: what this one wanted is there.
                if case .alreadyExists = error { return nil }
                return error
            }
        }
        if let outcome {
            throw MachineError.boxAddFailed(boxName, machine: machine.name, urls: machine.boxURL, error: outcome)
        }
        return findBox(for: machine, provider: provider)
    }

    /// `box outdated` in a project: each machine's box checked against its catalog, whatever
    /// its `box_check_update` says.
    public func checkBoxUpdates(_ names: [String]) async throws(MachineError) {
        for machine in try machines(names) {
            let (_, context) = try context(for: machine)
            await checkBoxUpdate(context, force: true)
        }
    }

    /// `box update` in a project: the newest catalog version of each machine's box within its
    /// `box_version`, added beside the old one (machines are not recreated). `download`, when
    /// given, replaces the machines' `box_download_*` settings.
    public func updateBoxes(_ names: [String], force: Bool, download: DownloadOptions? = nil) async throws(MachineError) {
        var done: Set<String> = []
        for machine in try machines(names) {
            let target = output.targeting(machine.name)
            guard let boxName = machine.box, !boxName.isEmpty else {
                target.say("This machine doesn't have a box. Won't update anything.")
                continue
            }
            let (_, context) = try context(for: machine)
            guard let box = context.box else {
                target.say("Box '\(boxName)' not installed, can't check for updates.")
                continue
            }
            guard done.insert([box.name, box.provider, context.machine.boxVersion ?? box.version].joined(separator: "\n")).inserted
            else { continue }
            var downloader = Self.downloader(for: context.machine, output: target)
            if let download { downloader.options = download }
            do throws(BoxStoreError) {
                var adder = BoxAdder(
                    store: try BoxStore(home: home), workingDirectory: URL(fileURLWithPath: environment.root), downloader: downloader)
                adder.output = target
                try await adder.update(
                    name: box.name, version: box.version, provider: box.provider, architecture: box.architecture,
                    requirement: context.machine.boxVersion.flatMap { $0.isEmpty ? nil : $0 }, force: force)
            } catch {
                if case .notVersioned = error {
                    target.warn(error.description)
                    continue
                }
                throw MachineError.boxAddFailed(box.name, machine: machine.name, urls: [], error: error)
            }
        }
    }

    /// Vagrant's BoxCheckOutdated: before a machine boots (unless `box_check_update = false`)
    /// and for `box outdated`, asks the box's catalog for a newer version within the machine's
    /// `box_version` and says so; a catalog that cannot be read is only a warning.
    func checkBoxUpdate(_ context: MachineContext, force: Bool = false) async {
        guard force || context.machine.boxCheckUpdate, let box = context.box, let store = try? BoxStore(home: home) else { return }
        if box.version == "0", store.metadataURL(for: box.name) == nil { return }
        let target = output.targeting(context.machine.name)
        target.say("Checking if box '\(box.name)' version '\(box.version)' is up to date...")
        let requirement = (context.machine.boxVersion.flatMap { $0.isEmpty ? nil : "\($0), " } ?? "") + "> \(box.version)"
        var latest: String?
        do throws(BoxStoreError) {
            let check = try await store.update(
                name: box.name, current: box.version, provider: box.provider, architecture: box.architecture, requirement: requirement,
                downloader: Self.downloader(for: context.machine, output: target), hostArchitecture: HostArchitecture.current())
            if case .newer(let version, _) = check { latest = version }
        } catch {
            if case .download(_, let reason) = error {
                target.warn(
                    "There was a problem while downloading the metadata for your box\nto check for updates. This is not an error, since it is usually due\nto temporary network problems. This is just a warning. The problem\nencountered was:\n\n\(reason)\n\nIf you want to check for box updates, verify your network connection\nis valid and try again."
                )
            } else {
                target.detail("Error loading box metadata while attempting to check for\nupdates: \(error.description)")
            }
        }
        let installedNewer = BoxStore.find(
            in: home, name: box.name, versionRequirement: requirement, providers: [box.provider],
            architecture: box.architecture ?? HostArchitecture.current())
        let installedVersion = installedNewer.flatMap { BoxVersion($0.version) }
        if let latest, let catalogVersion = BoxVersion(latest), installedVersion.map({ $0 < catalogVersion }) ?? true {
            target.warn(
                "A newer version of the box '\(box.name)' for provider '\(box.provider)' is\navailable! You currently have version '\(box.version)'. The latest is version\n'\(latest)'. Run `boxer box update` to update."
            )
        } else if let installedNewer {
            target.warn(
                "A newer version of the box '\(box.name)' is available and already\ninstalled, but your machine is running against\nversion '\(box.version)'. To update to version '\(installedNewer.version)',\ndestroy and recreate your machine."
            )
        }
    }

    /// `box add` as Vagrant's HandleBox asks for it: the `box_url` list, else the name itself
    /// (a file, a URL or `org/name` on the box server).
    static func addRequest(for machine: Machine, formats: [String]) -> BoxAddRequest {
        let boxName = machine.box ?? ""
        var request = BoxAddRequest(source: machine.boxURL.first ?? boxName)
        request.alternatives = Array(machine.boxURL.dropFirst())
        request.name = boxName
        request.versionRequirement = machine.boxVersion.flatMap { $0.isEmpty ? nil : $0 }
        request.providers = formats
        request.architecture = machine.boxArchitecture.flatMap { $0 == "auto" || $0.isEmpty ? nil : $0 }
        request.serverURL = machine.settings["box_server_url"]?.string
        if let value = machine.settings["box_download_checksum"]?.string, !value.trimmingCharacters(in: .whitespaces).isEmpty,
            let type = machine.settings["box_download_checksum_type"]?.string.flatMap(ChecksumType.init(vagrantName:))
        {
            request.checksum = ExpectedChecksum(type: type, value: value)
        }
        return request
    }

    /// A downloader with the machine's `box_download_*` TLS and curl settings.
    static func downloader(for machine: Machine, output: Output) -> Downloader {
        var downloader = Downloader(progress: output)
        downloader.options = downloadOptions(for: machine)
        return downloader
    }

    static func downloadOptions(for machine: Machine) -> DownloadOptions {
        let settings = machine.settings
        var options = DownloadOptions()
        options.caCertificate = settings["box_download_ca_cert"]?.string
        options.caPath = settings["box_download_ca_path"]?.string
        options.clientCertificate = settings["box_download_client_cert"]?.string
        options.insecure = settings["box_download_insecure"]?.bool ?? false
        options.locationTrusted = settings["box_download_location_trusted"]?.bool ?? false
        if case .object(let extra)? = settings["box_download_options"] {
            // Vagrant's MapCommandOptions: `key => "value"` is `--key value`, `key => true` is `--key`.
            for key in extra.keys.sorted() {
                switch extra[key] {
                case .bool(true)?: options.extraArguments.append("--\(key)")
                case .string(let value)?: options.extraArguments += ["--\(key)", value]
                default: break
                }
            }
        }
        return options
    }
}

/// The box adds of one `up`, one per box: the machines that need the same box wait for the
/// first one's add instead of downloading it again.
actor BoxInstalls {
    private var running: [String: Task<BoxStoreError?, Never>] = [:]

    func once(_ key: String, _ work: @escaping @Sendable () async -> BoxStoreError?) async -> BoxStoreError? {
        if let task = running[key] { return await task.value }
        let task = Task { await work() }
        running[key] = task
        return await task.value
    }
}
