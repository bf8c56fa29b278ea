# Shared by scripts/demo and scripts/test (sourced, not run).

# Says, before a first build, what is about to take so long: the build itself is silent for
# minutes at a time between cargo's progress lines.
announce_first_build() {
    local target="${CARGO_TARGET_DIR:-target}"
    if ! compgen -G "$target/debug/deps/libbevy_render-*.rlib" >/dev/null; then
        echo "first build in $target: compiling Bevy, Rapier and their dependencies;" \
            "about 25 minutes on two cores (later builds take seconds)" >&2
    fi
}
