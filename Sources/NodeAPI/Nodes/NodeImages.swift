import BoxStore
import BoxerSupport
import Foundation
import Machines

/// Images made from nodes: the halted node is packaged as `boxer package` does and the box added
/// to the store under the name asked for (version 0, as Vagrant adds a box file), with the
/// minimums a node made from it needs in its info.json.
extension NodeService {
    public struct ImageRequest: Sendable, Equatable, Decodable {
        public var node: String
        public var name: String

        public init(node: String, name: String) {
            self.node = node
            self.name = name
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case node, name }

        public init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            node = try container.decode(String.self, forKey: .node)
            name = try container.decode(String.self, forKey: .name)
        }
    }

    /// Checks an image request and takes the node's lock: the node must be stopped, the name free.
    public func beginImage(_ request: ImageRequest) async throws(NodeError) -> Ticket {
        let parts = request.name.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ NodeName.problem(String($0)) == nil }) else {
            throw NodeError(
                .badRequest,
                "Image name \(NodeName.quoted(request.name)): a box name such as \"web-base\" or \"team/web-base\" (letters, digits, '-', '_', '.')."
            )
        }
        if try images().contains(where: { $0.name == request.name }) {
            throw NodeError(.conflict, "An image named \(NodeName.quoted(request.name)) exists already; pick another name.")
        }
        let ticket = try hold(request.node, ready: true)
        let view = await view(ticket.record)
        guard view.machineState == MachineState.poweroff.rawValue else {
            ticket.lock.unlock()
            throw NodeError(.conflict, "Node \(request.node) is \(view.state); stop it before making an image of it.")
        }
        return ticket
    }

    /// Packages the node and adds the box; returns the new image.
    public func createImage(_ ticket: Ticket, name: String, output: Output) async throws(NodeError) -> NodeImage {
        let record = ticket.record
        let environment = try openEnvironment(record, output: output)
        let machine = try machine(record, in: environment)
        var random = SystemRandomNumberGenerator()
        let staging = home.temporary.path + "/image-\(record.name)-\(random.next() & 0xffff_ffff)"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let source = try images().first { $0.id == record.imageID }?.minimums
        let minimums = ImageMinimums(
            name: name, osType: source?.osType ?? "Linux", cpus: source?.cpus ?? 1, memoryMiB: source?.memoryMiB ?? 512,
            diskGiB: max(source?.diskGiB ?? 0, record.diskGiB))
        let info: [String: Any] = [
            "made_from_node": record.name, "made_from_image": record.imageID,
            "minimums": [
                "os_type": minimums.osType, "cpus": minimums.cpus, "memory_mib": minimums.memoryMiB, "disk_gib": minimums.diskGiB,
            ],
        ]
        do {
            try PrivateFiles.makeFolders(staging)
            try PrivateFiles.writeAtomically(
                staging + "/info.json", Array(try JSONSerialization.data(withJSONObject: info, options: [.sortedKeys])))
        } catch {
            throw NodeError.cannotWrite(staging, "\(error)")
        }
        output.say("Packaging node \(record.name) as image \(name)...")
        do {
            try await environment.package(machine, options: .init(output: staging + "/image.box", info: staging + "/info.json"))
        } catch {
            throw NodeError.machine(record.name, error)
        }
        var request = BoxAddRequest(source: staging + "/image.box")
        request.name = name
        let box: InstalledBox
        do {
            box = try await BoxAdder(store: try BoxStore(home: home), output: output).add(request)
        } catch {
            throw NodeError(.failed, "The image's box could not be added to the store: \(error)")
        }
        return NodeImage(box: box)
    }

    /// Removes an image's box, unless a node was made from it.
    public func deleteImage(_ id: String) throws(NodeError) {
        guard try images().contains(where: { $0.id == id }) else { throw NodeError.noImage(id) }
        if let user = store.list().first(where: { $0.imageID == id }) {
            throw NodeError(.conflict, "Node \(user.name) was made from image \(id); destroy it first.")
        }
        do {
            let boxes = try BoxStore(home: home)
            guard let box = try boxes.list().first(where: { NodeImage(box: $0).id == id }) else { throw NodeError.noImage(id) }
            try boxes.remove(box)
        } catch let error as NodeError {
            throw error
        } catch {
            throw NodeError(.failed, "The image's box could not be removed: \(error)")
        }
    }
}
