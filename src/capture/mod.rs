//! Capture: offscreen rendering through Bevy, fifth stage of the flow (simulation -> capture -> output).
//!
//! A [`Renderer`] owns one headless Bevy app (no window, no winit) that renders into an image and
//! reads every frame back, pumped by hand as in Bevy's `externally_driven_headless_renderer`
//! example. It lives for a whole dataset: per clip it clears the previous clip's entities, spawns
//! the new ones and replays the simulated [`Trajectory`] frame by frame. One frame is in flight:
//! while the rasterizer draws frame N, the next update already sets up and submits frame N+1,
//! then frame N is read back. Output never depends on that timing: every frame is a pure
//! function of the spec and its trajectory.

use std::time::{Duration, Instant};

use crate::content::LampKind;
use bevy::app::AppLabel;
use bevy::app::SubApps;
use bevy::asset::RenderAssetUsages;
use bevy::camera::RenderTarget;
use bevy::ecs::schedule::SingleThreadedExecutor;
use bevy::image::Image;
use bevy::light::{DirectionalLightShadowMap, ShadowFilteringMethod};
use bevy::log::{Level, LogPlugin};
use bevy::prelude::*;
use bevy::render::RenderApp;
use bevy::render::RenderPlugin;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::render::render_asset::RenderAssets;
use bevy::render::render_resource::{Extent3d, PollType, TextureDimension, TextureFormat, TextureUsages};
use bevy::render::renderer::RenderDevice;
use bevy::render::texture::GpuImage;
use bevy::render::view::screenshot::{CapturedScreenshots, Screenshot, ScreenshotCaptured};
use bevy::window::ExitCondition;
use crossbeam_channel::{Receiver, Sender};
use image::RgbImage;

use crate::simulation::Trajectory;
use crate::spec::ClipSpec;
use crate::world::{ClipEntity, spawn_visuals};

mod annotation;

pub use annotation::AnnotationFrame;
use annotation::{add_annotation_plugin, annotation_camera, spawn_annotation_twins};

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("a frame could not be read back from the GPU: {0}")]
    Readback(String),
    #[error("a captured frame could not be converted to RGB: {0}")]
    Conversion(String),
    #[error("the trajectory has {got} frames but the clip needs {want}")]
    TrajectoryLength { got: usize, want: u32 },
}

/// Where the time of one clip's rendering went.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderTiming {
    /// Updates that rendered one of the clip's frames.
    pub frames: Duration,
    /// Everything else: clearing and spawning entities, warm-up updates.
    pub overhead: Duration,
}

/// Shadow map resolution (texels per side).
const SHADOW_MAP_SIZE: usize = 512;

/// Bound on the frames rendered at start-up until the output is stable.
const MAX_WARMUP_FRAMES: u32 = 12;
/// How long to wait for a readback once the GPU has finished an update (it is copied out on a
/// background task, normally within a millisecond).
const READBACK_WAIT: Duration = Duration::from_millis(200);
/// How long to wait for a submitted frame before giving up.
const READBACK_TIMEOUT: Duration = Duration::from_secs(60);
/// How often to poll the device while waiting for a frame.
const POLL_INTERVAL: Duration = Duration::from_millis(1);
/// Updates to try before giving up on a frame.
const MAX_UPDATES_PER_FRAME: u32 = 20;

/// A persistent headless renderer.
pub struct Renderer {
    apps: SubApps,
    camera: Entity,
    target: Handle<Image>,
    /// The annotation camera and its target, made when a clip first asks for masks or depth.
    annotation: Option<(Entity, Handle<Image>)>,
    size: (u32, u32),
    warmed_up: bool,
    /// Light setups (sun shadows, point lamps, spotlights) already drawn since the last warm-up.
    light_setups: std::collections::HashSet<(bool, usize, usize)>,
    /// Readbacks that arrived before they were waited for, by screenshot entity.
    arrived: std::collections::HashMap<Entity, Image>,
    observed_sender: Sender<(Entity, Image)>,
    observed: Receiver<(Entity, Image)>,
}

fn run_single_threaded(sub_app: &mut bevy::app::SubApp) {
    for (_, schedule) in sub_app.world_mut().resource_mut::<Schedules>().iter_mut() {
        schedule.set_executor(SingleThreadedExecutor::new());
    }
}

impl Renderer {
    /// Starts Bevy's renderer (on whatever Vulkan device is present; lavapipe on a machine
    /// without a GPU) rendering `width` x `height` frames.
    pub fn new(width: u32, height: u32) -> Renderer {
        let mut app = App::new();
        let plugins = DefaultPlugins
            .set(WindowPlugin { primary_window: None, exit_condition: ExitCondition::DontExit, ..default() })
            .set(RenderPlugin { synchronous_pipeline_compilation: true, ..default() })
            .set(LogPlugin {
                level: Level::WARN,
                // The software-renderer warning (B0006) is expected on machines without a GPU.
                filter: "wgpu=error,naga=warn,bevy_render=warn,bevy_render::renderer=error,bevy_app=warn".into(),
                ..default()
            })
            // Each update renders one frame to completion before the next is set up; rendering
            // in parallel with the next update only adds contention on two cores.
            .disable::<PipelinedRenderingPlugin>()
            // Let Ctrl-C end the process at once: the batch loop never reads Bevy's exit requests.
            .disable::<bevy::app::TerminalCtrlCHandlerPlugin>()
            // Plugins whose systems would run every update for nothing here.
            .disable::<bevy::animation::AnimationPlugin>()
            .disable::<bevy::a11y::AccessibilityPlugin>()
            // Offscreen: no window, no event loop (the preview's window app owns the process's one).
            .disable::<bevy::winit::WinitPlugin>();
        // The log subscriber is global: only the process's first renderer installs it.
        static LOGGING: std::sync::Once = std::sync::Once::new();
        let mut first = false;
        LOGGING.call_once(|| first = true);
        if first {
            app.add_plugins(plugins);
        } else {
            app.add_plugins(plugins.disable::<LogPlugin>());
        }
        // One cascade of 512 texels covers the few metres a table-top camera sees.
        app.insert_resource(DirectionalLightShadowMap { size: SHADOW_MAP_SIZE });
        add_annotation_plugin(&mut app);
        app.finish();
        app.cleanup();
        let mut apps = std::mem::take(app.sub_apps_mut());
        // A small scene's systems run faster in one thread than handed between threads, and the
        // cores are better spent rasterizing (measured: 34 -> 28 ms per 224x224 frame).
        run_single_threaded(&mut apps.main);
        for sub_app in apps.sub_apps.values_mut() {
            run_single_threaded(sub_app);
        }
        let (observed_sender, observed) = crossbeam_channel::unbounded();
        let mut renderer = Renderer {
            apps,
            camera: Entity::PLACEHOLDER,
            target: Handle::default(),
            annotation: None,
            size: (0, 0),
            warmed_up: false,
            light_setups: Default::default(),
            arrived: Default::default(),
            observed_sender,
            observed,
        };
        renderer.set_size(width, height);
        renderer
    }

    fn world(&mut self) -> &mut World {
        self.apps.main.world_mut()
    }

    /// The renderer's main world, for inspection by tests and tools (what is spawned, how many
    /// entities live); changing it may break the next clip.
    pub fn main_world(&mut self) -> &mut World {
        self.world()
    }

    /// The GPU or software rasterizer and its driver, as Vulkan reports them (for example
    /// "llvmpipe (LLVM 15.0.6, 256 bits), Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)"): speed depends on
    /// it, so benchmark reports and run summaries name it.
    pub fn device_description(&mut self) -> String {
        let info = &self.world().resource::<bevy::render::renderer::RenderAdapterInfo>().0;
        format!("{}, {}", info.name, info.driver_info)
    }

    /// Renders into a new `width` x `height` target (no-op if the size is unchanged).
    fn set_size(&mut self, width: u32, height: u32) {
        if self.size == (width, height) {
            return;
        }
        let handle = self.new_target(width, height, TextureFormat::Rgba8UnormSrgb);
        let old_camera = self.camera;
        if old_camera != Entity::PLACEHOLDER {
            self.world().despawn(old_camera);
        }
        self.set_annotating(false);
        self.camera = self
            .world()
            .spawn((
                Camera3d::default(),
                // On the software rasterizer MSAA and Gaussian shadow filtering are the two most
                // expensive options (4x MSAA: +8 ms, Gaussian: +12 ms per 224x224 frame).
                Msaa::Off,
                ShadowFilteringMethod::Hardware2x2,
                // Depth first, so each pixel is shaded once however many surfaces overlap
                // (measured: 28 -> 41 frames/s in the kitchen scene, whose walls, backsplash
                // and cabinets overlap).
                bevy::core_pipeline::prepass::DepthPrepass,
                // Lamps' shadow detail is chosen relative to this camera (there is no window).
                bevy::camera::ShadowLodOrigin,
                RenderTarget::from(handle.clone()),
            ))
            .id();
        self.target = handle;
        self.size = (width, height);
        self.warmed_up = false;
        self.light_setups.clear();
    }

    /// A render target of the current kind: `width` x `height`, readable.
    fn new_target(&mut self, width: u32, height: u32, format: TextureFormat) -> Handle<Image> {
        let mut image = Image::new_uninit(
            Extent3d { width, height, depth_or_array_layers: 1 },
            TextureDimension::D2,
            format,
            RenderAssetUsages::RENDER_WORLD,
        );
        image.texture_descriptor.usage |= TextureUsages::RENDER_ATTACHMENT | TextureUsages::COPY_SRC;
        self.world().resource_mut::<Assets<Image>>().add(image)
    }

    /// Starts or stops the annotation camera (at the current size). Starting it means warming up
    /// again, as for a new target.
    fn set_annotating(&mut self, on: bool) {
        match (&self.annotation, on) {
            (None, true) => {
                let (width, height) = self.size;
                // Linear bytes: the encoded ids and depths must come back exactly.
                let target = self.new_target(width, height, TextureFormat::Rgba8Unorm);
                let camera = self.world().spawn(annotation_camera(target.clone())).id();
                self.annotation = Some((camera, target));
                self.warmed_up = false;
                self.light_setups.clear();
            }
            (Some((camera, _)), false) => {
                let camera = *camera;
                self.world().despawn(camera);
                self.annotation = None;
            }
            _ => {}
        }
    }

    /// One update of the app, then wait for the GPU to finish what it was given.
    fn update(&mut self) {
        self.apps.update();
        self.apps
            .main
            .world()
            .resource::<RenderDevice>()
            .wgpu_device()
            .poll(PollType::Wait { submission_index: None, timeout: None })
            .expect("the GPU device was lost");
    }

    /// Renders one update and reads its frame back. Bevy's screenshot readback finishes on a
    /// background task once the GPU is done; taking it from the channel here, rather than from the
    /// observer the next update would trigger, saves an update per clip.
    fn render_frame(&mut self) -> Result<Vec<u8>, CaptureError> {
        let targets: Vec<Handle<Image>> =
            std::iter::once(self.target.clone()).chain(self.annotation.as_ref().map(|(_, t)| t.clone())).collect();
        let mut data = Vec::new();
        for target in targets {
            let shot = self.request_screenshot(target);
            // Right after start-up the target may not be ready, and Bevy takes the screenshot in a
            // later update: update again (the scene is unchanged, so is the frame) until it comes.
            let mut image = None;
            for _ in 0..MAX_UPDATES_PER_FRAME {
                self.update();
                image = self.try_receive(shot, READBACK_WAIT)?;
                if image.is_some() {
                    break;
                }
            }
            let Some(image) = image else {
                return Err(CaptureError::Readback(format!("no frame after {MAX_UPDATES_PER_FRAME} updates")));
            };
            data.extend(image.data.unwrap_or_default());
        }
        Ok(data)
    }

    /// Asks for the next update's frame. Its readback reaches [`Self::receive`] either straight
    /// from Bevy's channel or, if an update's `trigger_screenshots` system took it first,
    /// through this observer.
    fn request_screenshot(&mut self, target: Handle<Image>) -> Entity {
        let sender = self.observed_sender.clone();
        self.world()
            .spawn(Screenshot::image(target))
            .observe(move |captured: On<ScreenshotCaptured>| {
                // The receiver lives as long as the renderer.
                let _ = sender.send((captured.entity, captured.image.clone()));
            })
            .id()
    }

    /// Waits for the readback of screenshot `shot`, polling the device so its callbacks run.
    fn receive(&mut self, shot: Entity) -> Result<Image, CaptureError> {
        self.try_receive(shot, READBACK_TIMEOUT)?
            .ok_or_else(|| CaptureError::Readback("timed out waiting for a frame".into()))
    }

    /// The readback of screenshot `shot` if it arrives within `patience`.
    fn try_receive(&mut self, shot: Entity, patience: Duration) -> Result<Option<Image>, CaptureError> {
        let waiting = Instant::now();
        let image = loop {
            if let Some(image) = self.arrived.remove(&shot) {
                break image;
            }
            if waiting.elapsed() > patience {
                return Ok(None);
            }
            let world = self.apps.main.world();
            world
                .resource::<RenderDevice>()
                .wgpu_device()
                .poll(PollType::Poll)
                .map_err(|e| CaptureError::Readback(e.to_string()))?;
            // Readbacks finish on a task pool and may overtake each other: keep all that come.
            self.arrived.extend(self.observed.try_iter());
            let direct = {
                let captured = world.resource::<CapturedScreenshots>();
                let receiver = captured.0.lock().expect("screenshot channel lock");
                receiver.recv_timeout(POLL_INTERVAL).ok()
            };
            if let Some((entity, image)) = direct {
                self.arrived.insert(entity, image);
            }
        };
        // Bevy despawns screenshots it delivered itself; ours may already be gone.
        if let Ok(entity) = self.world().get_entity_mut(shot) {
            entity.despawn();
        }
        Ok(Some(image))
    }

    /// The first frames after start-up (or after a new target size) come back blank or incomplete
    /// while Bevy prepares its GPU resources: render the clip's first frame until two readbacks
    /// agree and show more than one color.
    fn warm_up(&mut self) -> Result<(), CaptureError> {
        let mut previous: Option<Vec<u8>> = None;
        for _ in 0..MAX_WARMUP_FRAMES {
            let data = self.render_frame()?;
            // Two equal readbacks of a frame that is not one flat color (a blank target is).
            let flat = data.chunks_exact(4).all(|pixel| pixel == &data[..4.min(data.len())]);
            if !flat && previous.as_ref() == Some(&data) {
                self.warmed_up = true;
                return Ok(());
            }
            previous = Some(data);
        }
        Err(CaptureError::Readback(format!("frames still changed after {MAX_WARMUP_FRAMES} warm-up frames")))
    }

    /// Updates until every texture is on the GPU, then twice more so the materials using them are
    /// prepared (measured: with one, a clip drawn after another clip still differed in its first
    /// frame from the same clip drawn by a fresh renderer); otherwise a clip would depend on what
    /// was rendered before it. The cameras stay on meanwhile, though nobody reads these frames:
    /// with them switched off for the wait (tried in session 4 to save about 150 ms a clip), a
    /// clip's fourth frame came out different after other clips (caught by the Slurm test).
    fn wait_for_textures(&mut self, textures: &[Handle<Image>]) -> Result<(), CaptureError> {
        if textures.is_empty() {
            return Ok(());
        }
        for _ in 0..MAX_UPDATES_PER_FRAME {
            let render_world = self.apps.sub_apps.get(&RenderApp.intern()).expect("the render sub-app").world();
            let gpu_images = render_world.resource::<RenderAssets<GpuImage>>();
            let uploaded = textures.iter().all(|texture| gpu_images.get(texture.id()).is_some());
            self.apps.update();
            if uploaded {
                self.apps.update();
                self.apps.update();
                return Ok(());
            }
        }
        Err(CaptureError::Readback(format!("textures not uploaded after {MAX_UPDATES_PER_FRAME} updates")))
    }

    fn clear_clip(&mut self) {
        let world = self.world();
        let entities: Vec<Entity> = world.query_filtered::<Entity, With<ClipEntity>>().iter(world).collect();
        for entity in entities {
            world.despawn(entity);
        }
    }

    /// Renders frame `frame` of a simulated clip through another camera (a still, for looking
    /// around a scene).
    pub fn render_still(
        &mut self,
        spec: &ClipSpec,
        trajectory: &Trajectory,
        frame: usize,
        camera: &crate::spec::CameraSpec,
    ) -> Result<RgbImage, CaptureError> {
        let mut still = spec.clone();
        still.camera = camera.clone();
        still.video.frames = 1;
        let state = trajectory
            .frames
            .get(frame)
            .ok_or(CaptureError::TrajectoryLength { got: trajectory.frames.len(), want: frame as u32 + 1 })?;
        let single = Trajectory { frames: vec![state.clone()], ..trajectory.clone() };
        let mut image = None;
        self.render_clip(&still, &single, false, |_, frame, _| image = Some(frame))?;
        image.ok_or_else(|| CaptureError::Readback("no still".into()))
    }

    /// Renders every frame of a simulated clip, handing each to `sink` as `(frame, RGB image,
    /// annotation)` in frame order; the annotation (instance ids and depth) only when `annotate`.
    pub fn render_clip(
        &mut self,
        spec: &ClipSpec,
        trajectory: &Trajectory,
        annotate: bool,
        mut sink: impl FnMut(u32, RgbImage, Option<AnnotationFrame>),
    ) -> Result<RenderTiming, CaptureError> {
        let frames = spec.video.frames;
        if trajectory.frames.len() != frames as usize {
            return Err(CaptureError::TrajectoryLength { got: trajectory.frames.len(), want: frames });
        }
        let started = Instant::now();
        let mut frame_time = Duration::ZERO;
        self.set_size(spec.video.width, spec.video.height);
        self.set_annotating(annotate);
        self.clear_clip();
        let visuals = spawn_visuals(self.world(), spec);
        if annotate {
            spawn_annotation_twins(self.world(), spec, &visuals);
        }
        let camera = self.camera;
        let annotation_camera = self.annotation.as_ref().map(|(camera, _)| *camera);
        let annotation_target = self.annotation.as_ref().map(|(_, target)| target.clone());
        let camera_spec = &spec.camera;
        // Their poses are set per frame by `place`.
        for camera in std::iter::once(camera).chain(annotation_camera) {
            self.world().entity_mut(camera).insert(Projection::Perspective(PerspectiveProjection {
                fov: camera_spec.fov_deg.to_radians(),
                near: 0.02,
                ..default()
            }));
        }
        let place = |world: &mut World, frame: usize| {
            // The camera's scripted motion and hand-held sway.
            let (position, rotation) = spec.camera.pose_at(frame as f32, spec.video.fps);
            for camera in std::iter::once(camera).chain(annotation_camera) {
                *world.get_mut::<Transform>(camera).expect("camera spawned") =
                    Transform::from_translation(position).with_rotation(rotation);
            }
            let state = &trajectory.frames[frame];
            for (entity, pose) in visuals.objects.iter().zip(&state.objects) {
                *world.get_mut::<Transform>(*entity).expect("object spawned") = pose.transform();
            }
            for (entity, pose) in visuals.actors.iter().zip(&state.actors) {
                *world.get_mut::<Transform>(*entity).expect("actor spawned") = pose.transform();
            }
        };
        place(self.world(), 0);
        // The first clip with a new light setup needs pipelines and buffers that take a few
        // updates to appear (measured: a renderer's first spotlight is missing from the frame
        // after two updates); render the first frame until it is stable, as at start-up, so no
        // clip depends on what the renderer drew before it.
        let lamps = &spec.lighting.lamps;
        let setup = (
            spec.lighting.shadows,
            lamps.iter().filter(|l| l.kind == LampKind::Point).count(),
            lamps.iter().filter(|l| l.kind == LampKind::Spot).count(),
        );
        if !self.warmed_up || !self.light_setups.contains(&setup) {
            self.warm_up()?;
            self.light_setups.insert(setup);
        }
        self.wait_for_textures(&visuals.textures)?;
        // One frame in flight: while the rasterizer threads draw frame N, this thread already
        // runs the ECS update that sets up and submits frame N+1.
        let mut in_flight: Option<(u32, Entity, Option<Entity>)> = None;
        let (width, height) = (spec.video.width, spec.video.height);
        for frame in 0..=frames {
            let frame_started = Instant::now();
            let submitted = if frame < frames {
                place(self.world(), frame as usize);
                let shot = self.request_screenshot(self.target.clone());
                let annotation_shot = annotation_target.clone().map(|target| self.request_screenshot(target));
                self.apps.update();
                Some((frame, shot, annotation_shot))
            } else {
                None
            };
            if let Some((done, shot, annotation_shot)) = in_flight.take() {
                let image = self.receive(shot)?;
                let rgb = image.try_into_dynamic().map_err(|e| CaptureError::Conversion(e.to_string()))?.to_rgb8();
                let annotation = match annotation_shot {
                    Some(shot) => {
                        let data = self.receive(shot)?.data.unwrap_or_default();
                        if data.len() != (width * height * 4) as usize {
                            return Err(CaptureError::Conversion(format!("annotation frame of {} bytes", data.len())));
                        }
                        Some(AnnotationFrame::decode(width, height, &data))
                    }
                    None => None,
                };
                sink(done, rgb, annotation);
            }
            in_flight = submitted;
            frame_time += frame_started.elapsed();
        }
        Ok(RenderTiming { frames: frame_time, overhead: started.elapsed().saturating_sub(frame_time) })
    }
}

/// Why no Vulkan driver can be found, if none can: the Vulkan loader reads a driver manifest
/// (`*.json`) from `VK_DRIVER_FILES` / `VK_ICD_FILENAMES` when set, else from the `vulkan/icd.d`
/// folders under `/etc/xdg`, `/etc`, `$XDG_DATA_DIRS` and `$XDG_DATA_HOME`. Checked before
/// anything renders, so a machine without one gets this instead of a panic deep in the renderer.
pub fn vulkan_driver_problem() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let install = "install Mesa's software driver (Debian: apt-get install mesa-vulkan-drivers libvulkan1; \
                   scripts/setup-system does it) or your GPU's Vulkan driver";
    let listed = std::env::var("VK_DRIVER_FILES").or_else(|_| std::env::var("VK_ICD_FILENAMES"));
    if let Ok(files) = listed {
        let present = files.split(':').filter(|f| !f.is_empty()).any(|f| std::path::Path::new(f).is_file());
        return (!present).then(|| {
            format!(
                "no Vulkan driver: none of the files in VK_DRIVER_FILES/VK_ICD_FILENAMES ({files}) exists; {install}"
            )
        });
    }
    let data_dirs = std::env::var("XDG_DATA_DIRS").unwrap_or_else(|_| "/usr/local/share:/usr/share".into());
    let home = std::env::var("XDG_DATA_HOME")
        .ok()
        .or_else(|| std::env::var("HOME").ok().map(|home| format!("{home}/.local/share")));
    let mut folders: Vec<std::path::PathBuf> = ["/etc/xdg", "/etc"].iter().map(std::path::PathBuf::from).collect();
    folders.extend(data_dirs.split(':').filter(|d| !d.is_empty()).map(std::path::PathBuf::from));
    folders.extend(home.map(std::path::PathBuf::from));
    let found = folders.iter().any(|folder| {
        std::fs::read_dir(folder.join("vulkan/icd.d"))
            .map(|entries| entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "json")))
            .unwrap_or(false)
    });
    (!found)
        .then(|| format!("no Vulkan driver is installed (no driver manifest in any vulkan/icd.d folder); {install}"))
}

/// A hint for a renderer description ([`Renderer::device_description`]) naming lavapipe from a
/// Mesa older than 25, which renders the same frames markedly slower (measured on the 2-core
/// development machine: 47 against 72 to 80 frames/s end to end at 224x224).
pub fn slow_driver_hint(description: &str) -> Option<&'static str> {
    let version = description.split("Mesa ").nth(1)?;
    let major: u32 = version.split('.').next()?.parse().ok()?;
    (description.contains("llvmpipe") && major < 25).then_some(
        "lavapipe from Mesa 25 or newer renders the same frames about 1.6 times as fast \
         (scripts/setup-system installs it on Debian)",
    )
}

#[cfg(test)]
mod tests {
    use super::slow_driver_hint;

    #[test]
    fn only_old_lavapipe_gets_the_hint() {
        let old = "llvmpipe (LLVM 15.0.6, 256 bits), Mesa 22.3.6 (LLVM 15.0.6)";
        let new = "llvmpipe (LLVM 15.0.6, 256 bits), Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)";
        assert!(slow_driver_hint(old).is_some());
        assert_eq!(slow_driver_hint(new), None);
        assert_eq!(slow_driver_hint("NVIDIA GeForce RTX 4090, 550.54.14"), None);
        assert_eq!(slow_driver_hint("AMD Radeon RX 7900 (RADV NAVI31), Mesa 23.3.1"), None);
    }
}
