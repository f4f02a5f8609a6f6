import BoxerSupport
import Foundation
import Vagrantfile

/// `config.vm.cloud_init :user_data`: the Vagrantfile's own cloud-init parts, added to the seed
/// after boxer's cloud-config, as Vagrant's CloudInitSetup adds them to its seed.
extension MachineEnvironment {
    func cloudInitUserData(_ machine: Machine) throws(MachineError) -> [NoCloudSeed.UserPart] {
        guard case .array(let entries)? = machine.settings["cloud_inits"] else { return [] }
        var parts: [NoCloudSeed.UserPart] = []
        for case .object(let fields) in entries {
            let type = fields["type"]?.string ?? "user_data"
            guard type == "user_data" else {
                throw MachineError.cloudInitSetting(machine: machine.name, "only :user_data is supported, not :\(type)")
            }
            guard let contentType = fields["content_type"]?.string, !contentType.isEmpty else {
                throw MachineError.cloudInitSetting(machine: machine.name, "a content_type is required, e.g. \"text/cloud-config\"")
            }
            let text: String
            if let path = fields["path"]?.string {
                let file = HostFiles.absolute((path as NSString).expandingTildeInPath, relativeTo: environment.root)
                guard let read = try? HostFiles.readText(at: file, limit: 16 << 20) else {
                    throw MachineError.cloudInitSetting(machine: machine.name, "the file \(file) cannot be read")
                }
                text = read
            } else if let inline = fields["inline"]?.string {
                text = inline
            } else {
                throw MachineError.cloudInitSetting(machine: machine.name, "each entry needs path: or inline:")
            }
            parts.append(.init(contentType: contentType, text: text, fileName: fields["content_disposition_filename"]?.string))
        }
        return parts
    }
}
