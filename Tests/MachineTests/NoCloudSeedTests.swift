import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import Providers

@Suite struct NoCloudSeedTests {
    /// With the Vagrantfile's own user data, the seed's user-data is a MIME multipart: boxer's
    /// cloud-config first, then each part in order, non-ASCII text base64-encoded.
    @Test func userDataPartsMakeAMultipart() throws {
        var seed = NoCloudSeed(instanceID: "i-1", hostname: "web", user: "vagrant", authorizedKeys: ["ssh-ed25519 K"])
        seed.userParts = [
            .init(contentType: "text/cloud-config", text: "#cloud-config\nruncmd:\n  - touch /x\n"),
            .init(contentType: "text/x-shellscript", text: "#!/bin/sh\necho héllo\n", fileName: "greet.sh"),
        ]
        let text = seed.userData
        let boundary = "==BOXER-i1=="
        #expect(text.hasPrefix("Content-Type: multipart/mixed; boundary=\"\(boundary)\"\nMIME-Version: 1.0\n\n--\(boundary)\n"))
        #expect(
            text.contains(
                "Content-Type: text/cloud-config\nMIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\nContent-Disposition: attachment; filename=\"boxer.cfg\"\n\n#cloud-config\nhostname: web\n"
            ))
        #expect(
            text.contains(
                "\n--\(boundary)\nContent-Type: text/cloud-config\nMIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\n\n#cloud-config\nruncmd:\n  - touch /x\n"
            ))
        let encoded = Data("#!/bin/sh\necho héllo\n".utf8).base64EncodedString()
        #expect(text.contains("Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"greet.sh\"\n\n\(encoded)\n"))
        #expect(text.hasSuffix("--\(boundary)--\n"))
    }

    @Test func seedIsAnISOLabelledCidataWithTheKeysAndHostname() throws {
        let folder = try TemporaryFolder("boxer-seed")
        let path = folder.path("seed.iso").path
        try NoCloudSeed(instanceID: "i-1", hostname: "web", user: "vagrant", authorizedKeys: ["ssh-ed25519 AAAAC3Nza boxer-web"]).write(
            to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        // ISO9660: the primary volume descriptor at 32 KiB; libarchive upper-cases its label, and
        // the Joliet descriptor carries "cidata" as cloud-init and blkid read it.
        #expect(String(decoding: data[32769..<32774], as: UTF8.self) == "CD001")
        #expect(String(decoding: data[32808..<32814], as: UTF8.self) == "CIDATA")
        let extract = try folder.folder("x")
        let run = try ProgramRun.run("bsdtar", ["-xf", path, "-C", extract.path])
        #expect(run.status == 0, "\(run.error)")
        let userData = try String(contentsOf: extract.appendingPathComponent("user-data"), encoding: .utf8)
        #expect(userData.hasPrefix("#cloud-config\n"))
        #expect(userData.contains("  - name: vagrant\n"))
        #expect(userData.contains("      - ssh-ed25519 AAAAC3Nza boxer-web\n"))
        let metaData = try String(contentsOf: extract.appendingPathComponent("meta-data"), encoding: .utf8)
        #expect(metaData == "instance-id: i-1\nlocal-hostname: web\n")
    }
}
