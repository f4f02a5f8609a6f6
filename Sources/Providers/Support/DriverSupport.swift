import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// Files every driver keeps the same way in a machine's folder: the forwarded ports chosen at
/// start (`ports.json`), and the console log a few lines of which explain a guest that never
/// answers.
enum MachineRecords {
    static func writeForwards(_ context: MachineContext) {
        let data = (try? JSONEncoder().encode(context.forwards)) ?? Data("[]".utf8)
        try? context.folder.write("ports.json", String(decoding: data, as: UTF8.self))
    }

    static func forwards(_ context: MachineContext) -> [PortForward] {
        guard let text = context.folder.read("ports.json") else { return [] }
        return (try? JSONDecoder().decode([PortForward].self, from: Data(text.utf8))) ?? []
    }

    /// The "ssh" forward: the one given for this start, else the one recorded at the last.
    static func sshEndpoint(_ context: MachineContext) -> SSHEndpoint? {
        let forwards = context.forwards.isEmpty ? forwards(context) : context.forwards
        guard let ssh = forwards.first(where: { $0.id == "ssh" }) else { return nil }
        return SSHEndpoint(host: ssh.hostIP == "0.0.0.0" ? "127.0.0.1" : ssh.hostIP, port: ssh.host)
    }

    /// The last `lines` lines of a console log: only its last 64 KiB are read, lines end at
    /// "\n", "\r\n" or "\r" (a serial console writes "\r\n", which Swift holds as one
    /// Character), and each line is cut at 240 characters.
    static func tail(of path: String, lines: Int) -> String {
        guard let bytes = try? HostFiles.readTail(at: path, bytes: 64 << 10) else { return "(no console output)" }
        return lastLines(of: String(decoding: bytes, as: UTF8.self), lines: lines)
    }

    /// The last `lines` lines of a console's text, each cut at 240 characters.
    static func lastLines(of text: String, lines: Int) -> String {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .suffix(lines).map { $0.count > 240 ? $0.prefix(240) + "…" : $0 }.joined(separator: "\n")
    }

    static func makeFolder(_ context: MachineContext) throws(MachineError) {
        do {
            try PrivateFiles.makeFolders(context.folder.path)
        } catch {
            throw MachineError.passing(error, as: .io)
        }
    }
}

extension MachineContext {
    /// The box's architecture: the store's, else its metadata.json's (a box stored without
    /// one, as Vagrant 2.3.4 stores them); nil when neither says.
    var boxArchitecture: String? {
        if let architecture = box?.architecture, architecture != "unknown" { return architecture }
        guard let path = box?.path,
            let data = FileManager.default.contents(atPath: path + "/metadata.json"),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let architecture = object["architecture"] as? String, architecture != "unknown"
        else { return nil }
        return architecture
    }

    /// The `config.vm.provider "<name>"` block's settings, when the Vagrantfile has one.
    func settings(_ provider: String) -> ProviderSettings? { machine.providers[provider] }

    /// The box's disk folder, failing with what is wrong when the box lacks `file`.
    func boxFile(_ file: String, provider: String) throws(MachineError) -> String {
        guard let box else { throw MachineError.noBoxToMakeFrom }
        let path = box.path + "/" + file
        guard HostFiles.exists(path) else {
            throw MachineError.boxLacks(file, box: box, provider: provider)
        }
        return path
    }

    /// `customize` calls with `:id` replaced by the hypervisor's id for the machine.
    func customizations(_ provider: String, id: String) -> [[String]] {
        (settings(provider)?.customizations ?? []).map { call in
            call.map { $0.string == ProviderSettings.machineIDPlaceholder ? id : ($0.string ?? $0.description) }
        }
    }
}

extension BoxerHome {
    /// `$BOXER_HOME/locks/<name>.lock`, held exclusively: one boxer at a time imports a box's
    /// master VM or takes its base snapshot. The wait happens on a thread of its own, so it does
    /// not hold one of the few threads that run every machine's work. Unlock when done.
    func holdLock(_ name: String) async throws(MachineError) -> FileLock {
        let folder = path + "/locks"
        try? PrivateFiles.makeFolders(folder)
        let url = URL(fileURLWithPath: folder + "/" + name + ".lock")
        let locked = await onDedicatedThread { () throws -> FileLock? in try FileLock.acquire(url) }
        guard case .success(let lock?) = locked else { throw MachineError.cannotLock(url.path) }
        return lock
    }
}
