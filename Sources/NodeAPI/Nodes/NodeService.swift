import BoxStore
import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// The node operations, the same for `boxer node` and `boxer serve`: each node is a one-machine
/// project in its folder (`NodeStore`), run by boxer's ordinary machine lifecycle.
public struct NodeService: Sendable {
    /// Opens a node's project as `boxer up` opens the current one: the providers, the capability
    /// check, the environment network's switch. Given by the command layer, which owns those.
    /// `reading`: only to read the node's state (no validation, no capability check, only its
    /// own provider), which `GET /v1/nodes` does for every node on every call.
    public typealias Opener =
        @Sendable (_ projectRoot: String, _ provider: String, _ output: Output, _ reading: Bool) throws ->
        MachineEnvironment

    public let home: BoxerHome
    public let host: HostCapacity
    public let store: NodeStore
    let open: Opener
    /// The most all volumes together may take, in MiB (`boxer serve --volume-quota`); nil: what the disk has.
    public var volumeQuotaMiB: Int?

    public init(home: BoxerHome, host: HostCapacity = .current, open: @escaping Opener) {
        self.home = home
        self.host = host
        self.store = NodeStore(home: home)
        self.open = open
    }

    /// What an operation on one node holds: the node's record and its lock.
    public struct Ticket: Sendable {
        public let record: NodeRecord
        let lock: FileLock
        let project: NodeProject?
    }

    public enum Action: String, Sendable, CaseIterable {
        case start, stop, reboot, destroy
    }

    public var sizes: [NodeSize] { SizeLadder.sizes(hostCPUs: host.cpus, hostMemoryMiB: host.memoryMiB) }

    public func images() throws(NodeError) -> [NodeImage] {
        do {
            return try BoxStore(home: home).list().map(NodeImage.init(box:))
        } catch {
            throw NodeError(.failed, "The box store \(home.boxes.path) cannot be read: \(error)")
        }
    }

    // MARK: Create

    /// Checks a create and makes the node's folder (phase `creating`), holding its lock: every
    /// refusal (a bad field, an unknown image or size, a taken name) happens here, before anything
    /// is made. `create` then brings the machine up.
    public func accept(_ request: NodeCreateRequest) throws(NodeError) -> Ticket {
        try request.checkFields()
        guard let image = try images().first(where: { $0.id == request.image }) else { throw NodeError.noImage(request.image) }
        let offered = sizes
        let sizeID = request.size ?? ""
        guard let size = offered.first(where: { $0.id == sizeID }) else {
            throw NodeError.noSize(sizeID, offered: offered.map { $0.id.isEmpty ? "\"\" (the box's own)" : $0.id })
        }
        if let minimums = image.minimums, !size.id.isEmpty, !minimums.fits(size) { throw NodeError.sizeTooSmall(size, for: minimums) }
        let auth = request.sshKey != nil ? "ssh_key" : request.password != nil ? "password" : nil
        let record = NodeRecord(
            name: request.name, imageID: image.id, size: size, provider: Self.provider(for: image.provider), created: Date(), auth: auth)
        let project = NodeProject(
            record: record, image: image, sshKey: request.sshKey, password: request.password, userData: request.userData)
        store.removeStaleStaging()
        let lock = try store.create(record, files: project.files)
        return Ticket(record: record, lock: lock, project: project)
    }

    /// The provider that runs an image's box format: boxer's QEMU runs libvirt and qemu boxes.
    static func provider(for format: String) -> String {
        format == "libvirt" || format == "qemu" ? "qemu" : format
    }

    /// Brings an accepted node up. On failure its machine is destroyed and the node kept as
    /// `failed` with the reason, until it is destroyed.
    @discardableResult
    public func create(_ ticket: Ticket, output: Output) async throws(NodeError) -> NodeRecord {
        var record = ticket.record
        let folder = store.path(of: record.name)
        do throws(NodeError) {
            let environment = try openEnvironment(record, output: output)
            let machine = try machine(record, in: environment)
            let user = machine.ssh.username ?? "vagrant"
            if let project = ticket.project, let credentials = project.credentialsCloudConfig(user: user) {
                do {
                    try PrivateFiles.writeAtomically(folder + "/" + NodeProject.credentialsFile, Array(credentials.utf8))
                } catch { throw NodeError.cannotWrite(folder + "/" + NodeProject.credentialsFile, "\(error)") }
            }
            do {
                try await environment.up([record.name], options: .init(parallel: false))
            } catch { throw NodeError.machine(record.name, error) }
            record.phase = .ready
            record.creatorPID = nil
            try store.save(record)
            return record
        } catch {
            output.error("Node \(record.name) could not be created; removing its machine. \(error.message)")
            if let environment = try? openEnvironment(record, output: output) {
                try? await environment.destroy([record.name])
            }
            record.phase = .failed
            record.failure = error.message
            record.creatorPID = nil
            try? store.save(record)
            throw error
        }
    }

    // MARK: Start, stop, reboot, destroy

    /// Checks that `action` can run on the node and takes its lock: destroy takes a node in any
    /// phase, the others a created one.
    public func begin(_ action: Action, node name: String) throws(NodeError) -> Ticket {
        try hold(name, ready: action != .destroy)
    }

    /// The node's record with its lock held (busy when another operation holds it); `ready`: only
    /// a node whose create has finished.
    func hold(_ name: String, ready: Bool) throws(NodeError) -> Ticket {
        guard let record = try store.record(name) else { throw NodeError.noNode(name) }
        if ready, record.phase != .ready { throw NodeError.notReady(name, record.phase) }
        guard let lock = try store.lock(name) else { throw NodeError.busy(name) }
        return Ticket(record: record, lock: lock, project: nil)
    }

    public func perform(_ action: Action, _ ticket: Ticket, output: Output) async throws(NodeError) {
        let record = ticket.record
        if action == .destroy, !MachineFolder.anyInUse(inProject: store.path(of: record.name)) {
            // Nothing was ever made (or it is gone): the folder is all there is.
            store.remove(record.name)
            await releaseVolumes(of: record.name)
            return
        }
        let environment = try openEnvironment(record, output: output)
        do {
            switch action {
            case .start: try await environment.up([record.name], options: .init(parallel: false))
            case .stop: try await environment.halt([record.name], force: false)
            case .reboot: try await environment.reload([record.name], options: .init(parallel: false))
            case .destroy: try await environment.destroy([record.name])
            }
        } catch {
            throw NodeError.machine(record.name, error)
        }
        switch action {
        case .destroy:
            store.remove(record.name)
            await releaseVolumes(of: record.name)
        case .start, .reboot:
            await restoreAttachments(record, output: output)
        case .stop: break
        }
    }

    /// What the API added to the running node and QEMU forgets when it stops: its volumes and its
    /// port forwards, put back after each start.
    func restoreAttachments(_ record: NodeRecord, output: Output) async {
        await plugAttachedVolumes(of: record, output: output)
        let forwards = readForwards(record.name)
        guard !forwards.isEmpty else { return }
        do throws(NodeError) {
            guard let monitor = try await monitor(of: record) else { return }
            for forward in forwards { try monitor.addForward(forward) }
        } catch {
            output.targeting(record.name).warn("Its port forwards could not all be added again: \(error.message)")
        }
    }

    // MARK: Reading

    public func view(_ name: String, operation: String? = nil) async throws(NodeError) -> NodeView {
        guard let record = try store.record(name) else { throw NodeError.noNode(name) }
        return await view(record, operation: operation)
    }

    public func view(_ record: NodeRecord, operation: String? = nil) async -> NodeView {
        var view = NodeView(
            id: record.name, name: record.name, state: "unknown", machineState: nil, phase: record.phase, imageID: record.imageID,
            sizeID: record.sizeID, cpus: record.cpus, memoryMiB: record.memoryMiB, diskGiB: record.diskGiB, provider: record.provider,
            created: record.created, operation: operation, failure: record.failure, folder: store.path(of: record.name))
        if record.phase == .ready || record.phase == .creating, MachineFolder.anyInUse(inProject: view.folder),
            let environment = try? openEnvironment(record, output: .discarded, reading: true),
            let machine = try? machine(record, in: environment)
        {
            view.sshUser = machine.ssh.username ?? "vagrant"
            // One state query per node: this runs for every node on every GET /v1/nodes.
            if let (provider, context) = try? environment.context(for: machine) {
                let state = await provider.state(context)
                view.machineState = state.rawValue
                if state == .running, let endpoint = provider.sshEndpoint(context),
                    let communicator = try? environment.communicator(for: context, endpoint: endpoint)
                {
                    view.sshHost = communicator.endpoint.host
                    view.sshPort = communicator.endpoint.port
                    view.sshUser = communicator.user
                }
            }
            view.privateIP = environment.networkReport([machine])?.addresses[machine.name]?.address
        } else if record.phase == .ready {
            view.machineState = MachineState.notCreated.rawValue
        }
        view.state = NodeView.libcloudState(phase: record.phase, machineState: view.machineState, operation: operation)
        return view
    }

    // MARK: Recovery

    /// Nodes whose create was cut off (kill -9 of the process creating them): their machine, if
    /// any was made, is destroyed and they are marked failed, so that each node is either whole
    /// or failed with nothing of it running. Returns the names it recovered.
    @discardableResult
    public func recoverInterrupted(output: Output) async -> [String] {
        var recovered: [String] = []
        for record in store.list() where record.createWasInterrupted {
            guard let lock = try? store.lock(record.name) else { continue }
            defer { lock.unlock() }
            // Read again under the lock: the create may have finished in between.
            guard var current = try? store.record(record.name), current.createWasInterrupted else { continue }
            if MachineFolder.anyInUse(inProject: store.path(of: current.name)),
                let environment = try? openEnvironment(current, output: output)
            {
                try? await environment.destroy([current.name])
            }
            current.phase = .failed
            current.failure =
                "Its create was cut off (the process creating it stopped); its machine was removed. Destroy the node and create it again."
            current.creatorPID = nil
            try? store.save(current)
            recovered.append(current.name)
        }
        return recovered
    }

    // MARK: Helpers

    func openEnvironment(_ record: NodeRecord, output: Output, reading: Bool = false) throws(NodeError) -> MachineEnvironment {
        do {
            return try open(store.path(of: record.name), record.provider, output, reading)
        } catch {
            throw NodeError(.failed, "Node \(record.name): its project \(store.path(of: record.name)) cannot be opened: \(error)")
        }
    }

    func machine(_ record: NodeRecord, in environment: MachineEnvironment) throws(NodeError) -> Machine {
        do {
            guard let machine = try environment.machines([record.name]).first else { throw NodeError.noNode(record.name) }
            return machine
        } catch let error as NodeError {
            throw error
        } catch {
            throw NodeError.machine(record.name, error)
        }
    }
}
