import Testing

@testable import NodeAPI

/// `boxer serve`'s sizes (the ladder a host offers) and image minimums (names in the
/// IMAGE-NAME-OS_TYPE-CPU-MEM-DISK form).
@Suite struct SizesAndImagesTests {
    @Test func aHostOffersTheStepsThatFit() {
        // This machine's kind: 2 CPUs, 24 GiB (23 GiB for nodes).
        let sizes = SizeLadder.sizes(hostCPUs: 2, hostMemoryMiB: 24 * 1024)
        #expect(sizes.first == NodeSize.placeholder)
        #expect(sizes.map(\.id) == ["", "c1-m512", "c1-m1024", "c1-m2048", "c2-m4096"])
        #expect(sizes.last == NodeSize(id: "c2-m4096", name: "2 CPU, 4 GiB, 40 GiB disk", cpus: 2, memoryMiB: 4096, diskGiB: 40))
        // A small host keeps a quarter of its memory: 1536 of 2048 MiB are offered.
        #expect(SizeLadder.sizes(hostCPUs: 8, hostMemoryMiB: 2048).map(\.id) == ["", "c1-m512", "c1-m1024"])
        // A host with more CPUs than memory is cut by memory; a big one gets every step.
        #expect(SizeLadder.sizes(hostCPUs: 64, hostMemoryMiB: 8192).map(\.id).last == "c2-m4096")
        #expect(SizeLadder.sizes(hostCPUs: 64, hostMemoryMiB: 1 << 20).count == SizeLadder.steps.count + 1)
        // Ids are unique.
        let ids = SizeLadder.steps.map { "c\($0.cpus)-m\($0.memoryMiB)" }
        #expect(Set(ids).count == ids.count)
    }

    @Test func imageNamesCarryTheirMinimums() throws {
        let image = try #require(ImageMinimums(parsing: "ubuntu-22.04-Ubuntu_64-1-1024-10"))
        #expect(image == ImageMinimums(name: "ubuntu-22.04", osType: "Ubuntu_64", cpus: 1, memoryMiB: 1024, diskGiB: 10))
        #expect(image.text == "ubuntu-22.04-Ubuntu_64-1-1024-10")
        #expect(image.fits(NodeSize(id: "c1-m1024", name: "", cpus: 1, memoryMiB: 1024, diskGiB: 10)))
        #expect(!image.fits(NodeSize(id: "c1-m512", name: "", cpus: 1, memoryMiB: 512, diskGiB: 10)))
        #expect(!image.fits(NodeSize.placeholder))
        for name in [
            "boxer/debian-12", "ubuntu-Ubuntu_64-1-1024", "-Linux-1-512-10", "x-Linux-0-512-10", "x-Linux-1-512-ten", "x-12-1-512-10",
            "x-Red Hat-1-512-10",
        ] {
            #expect(ImageMinimums(parsing: name) == nil, "\(name)")
        }
    }
}
