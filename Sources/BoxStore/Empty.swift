import BoxArchive
