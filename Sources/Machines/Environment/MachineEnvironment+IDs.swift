import BoxerSupport
import Foundation
import Vagrantfile

extension MachineEnvironment {
    /// The machine's id from its folder, checked by its provider. A missing or damaged `id` file
    /// is recovered from the hypervisor when it still runs the machine (and written back, with
    /// a warning); a damaged one that cannot be recovered is an error naming the file, so that
    /// no command takes the machine for "not created", or acts on a crafted id, on its account.
    func verifiedID(_ folder: MachineFolder, provider: any Provider) throws(MachineError) -> String? {
        let problem: String
        switch folder.recordedID {
        case .absent:
            guard let recovered = provider.recoverID(folder) else { return nil }
            return try restore(recovered, in: folder, because: "was missing")
        case .present(let id):
            guard let reason = provider.checkID(id, folder: folder) else { return id }
            problem = "it holds \"\(String(id.prefix(80)))\", which is not a \(provider.name) machine id (\(reason))"
        case .unreadable(let reason):
            problem = reason
        }
        if let recovered = provider.recoverID(folder) {
            return try restore(recovered, in: folder, because: "was damaged (\(problem))")
        }
        throw MachineError.untrustedID(folder.machineName, file: folder.file("id"), problem: problem)
    }

    private func restore(_ id: String, in folder: MachineFolder, because reason: String) throws(MachineError) -> String {
        try folder.write("id", id)
        output.targeting(folder.machineName).warn(
            "The machine's id file \(folder.file("id")) \(reason); its hypervisor still runs the machine, so the id (\(id)) was taken from there and written back."
        )
        return id
    }
}
