import BoxStore
