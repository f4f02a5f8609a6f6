import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import Providers

@Suite struct NoCloudSeedTests {
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
