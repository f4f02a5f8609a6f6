import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing
import Vagrantfile

@testable import BoxStore
@testable import NodeAPI

/// What a create request may hold, and the node project boxer writes from it.
@Suite struct NodeRequestTests {
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIxY21rGNnX5ozg+YmnQSfdaWC4L6HjjEWVoozlVS/FH me@host"

    @Test func namesAreOneSafeComponent() {
        for good in ["web", "web-1", "db_2", "a.b", "X9"] { #expect(NodeName.problem(good) == nil, "\(good)") }
        for bad in ["", ".", "..", "a/b", "../x", "-x", ".hidden", "a b", "é", String(repeating: "a", count: 64), "a\u{0}b", "a\\b"] {
            #expect(NodeName.problem(bad) != nil, "\(bad)")
        }
        #expect(NodeName.hostname("db_2") == "db-2")
    }

    @Test func unknownFieldsAreRefused() throws {
        let decode = { (json: String) throws -> NodeCreateRequest in try JSONDecoder().decode(NodeCreateRequest.self, from: Data(json.utf8))
        }
        let request = try decode(#"{"name": "web", "image": "tiny:0::libvirt", "size": "c1-m512", "ssh_key": "k"}"#)
        #expect(request == NodeCreateRequest(name: "web", image: "tiny:0::libvirt", size: "c1-m512", sshKey: "k"))
        #expect(throws: DecodingError.self) { try decode(#"{"name": "web", "image": "i", "ssh_keys": "k"}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"name": "web"}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"name": 3, "image": "i"}"#) }
    }

    @Test func fieldsAreChecked() throws {
        var request = NodeCreateRequest(name: "web", image: "i", sshKey: Self.key, password: "s3cret", userData: "#cloud-config\n{}\n")
        try request.checkFields()
        for bad in ["ssh-ed25519", "ssh-ed25519 !!!", "not-a-type AAAA", Self.key + "\nssh-rsa AAAA"] {
            request.sshKey = bad
            #expect(throws: NodeError.self, "\(bad)") { try request.checkFields() }
        }
        request.sshKey = nil
        for bad in ["", "a\nb", String(repeating: "p", count: 129)] {
            request.password = bad
            #expect(throws: NodeError.self) { try request.checkFields() }
        }
        request.password = nil
        for bad in ["echo hi", "#cloud-config\n" + String(repeating: "x", count: NodeCreateRequest.maximumUserData)] {
            request.userData = bad
            #expect(throws: NodeError.self) { try request.checkFields() }
        }
        request.userData = "#!/bin/sh\necho hi\n"
        try request.checkFields()
        #expect(try NodeCreateRequest.userDataType("#!/bin/sh") == "text/x-shellscript")
    }

    /// The Vagrantfile boxer writes reads back as the node: box, version, size, disk, user data,
    /// DMI; a box name with quotes in it stays a string.
    @Test func theProjectReadsBackAsTheNode() throws {
        let folder = try TemporaryFolder("boxer-node-project")
        let size = NodeSize(id: "c1-m512", name: "", cpus: 1, memoryMiB: 512, diskGiB: 10)
        let record = NodeRecord(name: "web_1", imageID: "x", size: size, provider: "qemu", created: Date(), auth: "ssh_key")
        var image = NodeImage(
            box: .init(name: "o'brien\\#{`id`}", version: "1.2.3", architecture: "amd64", provider: "libvirt", directory: folder.url))
        image.id = "x"
        let project = NodeProject(record: record, image: image, sshKey: Self.key, password: "pa'ss", userData: "#!/bin/sh\necho hi\n")
        for (name, file) in project.files { try Data(file.text.utf8).write(to: folder.url.appendingPathComponent(name)) }
        let loaded = try VagrantfileLoader(
            environment: ["HOME": folder.url.path, "BOXER_HOME": folder.url.path + "/home"], currentDirectory: folder.url.path
        ).load()
        let machine = try #require(loaded.machines.first)
        #expect(loaded.machines.count == 1 && machine.name == "web_1")
        #expect(machine.box == "o'brien\\#{`id`}" && machine.boxVersion == "= 1.2.3" && machine.boxArchitecture == "amd64")
        #expect(machine.hostname == "web-1")
        #expect(machine.providers["qemu"]?.cpus == 1 && machine.providers["qemu"]?.memory == 512)
        let qemuArguments = machine.providers["qemu"]?.values["extra_qemu_args"]
        #expect(qemuArguments == ConfigValue.array(project.qemuArguments.map { ConfigValue.string($0) }))
        #expect(machine.providers["qemu"]?.values["authorized_keys"] == .array([.string(Self.key)]))
        #expect(project.smbiosArguments[1] == "type=1,serial=ds=nocloud;h=web-1")
        #expect(project.smbiosArguments[3] == "type=11,value=io.systemd.credential:ssh.authorized_keys.root=" + Self.key)
        guard case .array(let disks)? = machine.settings["disks"], case .array(let inits)? = machine.settings["cloud_inits"] else {
            Issue.record("no disks or cloud_inits: \(machine.settings.keys.sorted())")
            return
        }
        #expect(disks.count == 1 && "\(disks)".contains("10GB"))
        #expect(inits.count == 2 && "\(inits)".contains("text/x-shellscript") && "\(inits)".contains(NodeProject.credentialsFile))
        let credentials = try #require(project.credentialsCloudConfig(user: "vagrant"))
        #expect(credentials.hasPrefix("#cloud-config\n") && credentials.contains("\"pa'ss\"") && credentials.contains(Self.key))
        #expect(project.files[NodeProject.userDataFile]?.mode == 0o600)
    }
}
