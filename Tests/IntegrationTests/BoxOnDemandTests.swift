import BoxArchive
import BoxStore
import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// `up` with only `config.vm.box = "org/name"`: the box comes from a loopback box server
    /// (`$BOXER_SERVER_URL`), once for both machines; a version published later is reported at
    /// the next boot and fetched by `box update`.
    @Suite struct BoxOnDemandTests {
        static func catalog(_ versions: [String], checksum: String) throws -> Data {
            let catalog = BoxCatalog(
                name: "acme/tiny",
                versions: versions.map { version in
                    .init(
                        version: version,
                        providers: [
                            .init(
                                name: "libvirt", url: "/files/tiny.box", checksumType: "sha256", checksum: checksum, architecture: "amd64",
                                defaultArchitecture: true)
                        ])
                })
            return try JSONEncoder().encode(catalog)
        }

        @Test func twoMachinesShareOneDownloadAndUpdatesAreFound() throws {
            let server = try LoopbackHTTPServer()
            defer { server.stop() }
            let box = try Data(contentsOf: URL(fileURLWithPath: try MachineProject.testBox()))
            var digest = ChecksumType.sha256.makeDigest()
            digest.update(box)
            let checksum = digest.finalizeHex()
            server.serve("/files/tiny.box", .init(body: box))
            server.serve("/acme/tiny", .init(body: try Self.catalog(["1.0"], checksum: checksum), contentType: "application/json"))
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "acme/tiny"
                      config.vm.box_version = "~> 1.0"
                      config.vm.synced_folder ".", "/vagrant", disabled: true
                      config.vm.define "one"
                      config.vm.define "two"
                    end
                    """, boxName: nil)
            let serverURL = ["BOXER_SERVER_URL": server.url("").absoluteString]

            let up = try project.boxer(["up"], extra: serverURL)
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            #expect(up.output.contains("Box 'acme/tiny' could not be found. Attempting to find and install..."))
            #expect(up.output.contains("Successfully added box 'acme/tiny' (v1.0) for 'libvirt (amd64)'!"))
            #expect(
                server.requests.filter { $0.method == "GET" && $0.path == "/files/tiny.box" }.count == 1, "one download for both machines")
            #expect(project.qemuPIDs.count == 2)
            #expect(try project.boxer(["box", "list"]).output.contains("acme/tiny (libvirt, 1.0, amd64)"))

            // Published later: 1.1 within "~> 1.0", 2.0 outside it.
            server.serve(
                "/acme/tiny", .init(body: try Self.catalog(["1.0", "1.1", "2.0"], checksum: checksum), contentType: "application/json"))
            #expect(try project.boxer(["halt", "one"]).status == 0)
            let again = try project.boxer(["up", "one"], extra: serverURL)
            #expect(again.status == 0, "\(again.error)")
            let said = again.output + again.error
            #expect(said.contains("Checking if box 'acme/tiny' version '1.0' is up to date..."))
            #expect(said.contains("A newer version of the box 'acme/tiny' for provider 'libvirt' is"), "\(said)")
            #expect(said.contains("'1.1'. Run `boxer box update` to update."), "the newest within the machine's box_version")

            let outdated = try project.boxer(["box", "outdated"], extra: serverURL)
            #expect(outdated.status == 0)
            #expect(
                (outdated.output + outdated.error).contains("The latest is version\n==> one: WARNING: '1.1'."),
                "\(outdated.output)\(outdated.error)")

            let update = try project.boxer(["box", "update"], extra: serverURL)
            #expect(update.status == 0, "\(update.error)")
            #expect(update.output.contains("Updating 'acme/tiny' with provider 'libvirt' from version"))
            let boxes = try project.boxer(["box", "list"]).output
            #expect(boxes.contains("acme/tiny (libvirt, 1.0, amd64)") && boxes.contains("acme/tiny (libvirt, 1.1, amd64)"), "\(boxes)")
            #expect(!boxes.contains("2.0"))
            // The machines keep the version they were made from until they are recreated.
            #expect(try project.boxer(["box", "outdated"], extra: serverURL).error.contains("already\n==> one: WARNING: installed"))

            #expect(try project.boxer(["destroy", "-f"]).status == 0)
            #expect(project.qemuPIDs.isEmpty)
        }

        /// A box the server does not have, a catalog without the machine's provider, a checksum
        /// that does not match: each machine's error names it and the URL; nothing is added,
        /// no machine is created, no download is left behind.
        @Test func failedAddsCreateNothing() throws {
            let server = try LoopbackHTTPServer()
            defer { server.stop() }
            let box = try Data(contentsOf: URL(fileURLWithPath: try MachineProject.testBox()))
            server.serve("/files/tiny.box", .init(body: box))
            let vmwareOnly = BoxCatalog(
                name: "acme/vmware", versions: [.init(version: "1.0", providers: [.init(name: "vmware_desktop", url: "/files/tiny.box")])])
            server.serve("/acme/vmware", .init(body: try JSONEncoder().encode(vmwareOnly), contentType: "application/json"))
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.define "missing" do |m|
                        m.vm.box = "acme/missing"
                      end
                      config.vm.define "vmware" do |m|
                        m.vm.box = "acme/vmware"
                      end
                      config.vm.define "corrupt" do |m|
                        m.vm.box = "local/tiny"
                        m.vm.box_url = "\(server.url("/files/tiny.box").absoluteString)"
                        m.vm.box_download_checksum = "0000"
                        m.vm.box_download_checksum_type = "sha256"
                      end
                    end
                    """, boxName: nil)
            let up = try project.boxer(["up"], extra: ["BOXER_SERVER_URL": server.url("").absoluteString])
            #expect(up.status == 1)
            #expect(up.error.contains("Adding the box 'acme/missing' for the machine 'missing' failed"), "\(up.error)")
            #expect(up.error.contains("\(server.url("/acme/missing").absoluteString): the server answered HTTP 404"))
            #expect(up.error.contains("The box 'acme/vmware' has no entry for provider libvirt or qemu"), "\(up.error)")
            #expect(up.error.contains("for the machine 'corrupt' from \(server.url("/files/tiny.box").absoluteString) (config.vm.box_url)"))
            #expect(up.error.contains("The sha256 checksum of the box"))
            #expect(try project.boxer(["box", "list"]).output.contains("There are no installed boxes"))
            #expect(TemporaryFolder.tree(project.root.appendingPathComponent(".vagrant/machines")).filter { $0.hasSuffix("/id") }.isEmpty)
            #expect(TemporaryFolder.tree(project.home.appendingPathComponent("tmp")).filter { !$0.hasSuffix(".lock") }.isEmpty)
            #expect(project.qemuPIDs.isEmpty)
        }
    }
}
