//! Preview: the interactive window for authoring scenes and actions, beside the batch flow. It
//! plans a clip exactly as `generate` does (content -> spec -> simulation -> verification),
//! renders its frames with the same offscreen capture renderer, and plays them in a window with
//! the label, the live verification and optional gizmos drawn over them. Scene, action and
//! object files are watched and reloaded when saved; a broken file shows its error and the last
//! good content keeps playing.
//!
//! The window only shows finished frames (a textured quad in front of an orthographic camera),
//! so what it plays is byte for byte what a dataset would contain for the same selection, seed
//! and clip index. Clips are planned and rendered on a thread of their own ([`Builder`]), so the
//! window keeps updating, with "building..." over it, while one is made. [`PreviewPlugin`] adds
//! the systems in named sets ([`PreviewSet`]: input, reload, rebuild, play, show).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use bevy::app::AppExit;
use bevy::asset::RenderAssetUsages;
use bevy::camera::ScalingMode;
use bevy::core_pipeline::tonemapping::{DebandDither, Tonemapping};
use bevy::input::InputPlugin;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::{ExitCondition, WindowResolution};
use image::{Rgb, RgbImage};

use super::sheet::draw_text;
use crate::capture::Renderer;
use crate::content::{ActionDef, Content};
use crate::output::write_jpeg;
use crate::plan::{DEFAULT_MAX_ATTEMPTS, PlannedClip, plan_clip};
use crate::simulation::Trajectory;
use crate::spec::{CameraModel, CameraSpec, ClipSpec, VideoSpec};
use crate::verify::{Verification, verify};

/// The keys, as the help line shows them.
pub const HELP: &str =
    "N/B seed  S scene  A action  Space pause  . step  R restart  Tab overlays  G gizmos  C orbit  P save  Esc quit";

/// How often the content files are checked for changes, seconds.
const WATCH_INTERVAL_S: f32 = 0.5;
/// How long a scripted run waits for its window to show the clip before it gives up.
const WINDOW_DEADLINE: Duration = Duration::from_secs(60);
/// The largest mean difference, per channel in 0..255, between the view and a screenshot of
/// the window that still counts as the window showing the view (sRGB texture round trips).
const WINDOW_MATCH_TOLERANCE: f64 = 2.0;

/// What to preview and how. The keys change the selection (scene, action, seed) and the
/// overlays here, in place.
#[derive(Debug, Clone)]
pub struct PreviewOptions {
    pub scenes_dir: PathBuf,
    pub actions_dir: PathBuf,
    pub objects: PathBuf,
    /// Only this scene, as `generate --scenes`.
    pub scene: Option<String>,
    /// Only this action, as `generate --actions`.
    pub action: Option<String>,
    pub seed: u64,
    pub index: u64,
    pub video: VideoSpec,
    /// Window pixels per frame pixel.
    pub scale: u32,
    pub overlays: bool,
    /// Quit after this many displayed updates (for scripted runs and tests).
    pub exit_after: Option<u32>,
    /// At exit, save the window's contents here.
    pub screenshot: Option<PathBuf>,
    /// At exit, write this clip frame here as `generate` would (JPEG).
    pub save_frame: Option<(u32, PathBuf)>,
}

/// A planned and rendered clip, with its verification as of every frame.
pub struct PreviewClip {
    pub planned: PlannedClip,
    pub action: ActionDef,
    pub frames: Vec<RgbImage>,
    /// `live[k]`: the postconditions checked on frames 0..=k.
    pub live: Vec<Verification>,
}

/// The preview's state: what is selected and shown.
#[derive(Resource)]
pub struct Preview {
    pub options: PreviewOptions,
    /// The last content that loaded without errors.
    pub content: Content,
    pub clip: Option<PreviewClip>,
    pub frame: u32,
    pub paused: bool,
    pub gizmos: bool,
    /// Degrees about the vertical and metres from the clip camera's look-at point, when the
    /// free orbit camera is on.
    pub orbit: Option<(f32, f32)>,
    /// The last content or planning error, shown until the next success.
    pub error: Option<String>,
    /// The clip needs planning and rendering again.
    pub dirty: bool,
    /// Updates displayed so far.
    pub shown: u32,
    /// A scripted run has reached its last update: playback holds still while it saves.
    pub finishing: bool,
    playing_s: f32,
    watch: Watch,
    /// The orbit view of the current frame, when the orbit camera is on.
    orbit_view: Option<(u32, (f32, f32), RgbImage)>,
    build: Requests,
}

/// When the content files were last seen changed, and how long since they were looked at.
struct Watch {
    newest: Option<SystemTime>,
    since_s: f32,
}

/// What the builder has been asked for and not yet handed back.
#[derive(Default)]
struct Requests {
    /// The clip build last asked for; results of older ones are dropped.
    generation: u64,
    /// That build is still running.
    clip: bool,
    /// The orbit view asked for and not yet arrived.
    orbit: Option<(u32, (f32, f32))>,
}

impl Preview {
    pub fn new(options: PreviewOptions) -> Result<Preview, crate::content::ContentError> {
        let content = Content::load(&options.scenes_dir, &options.actions_dir, &options.objects)?;
        let watch = Watch { newest: newest_change(&options), since_s: 0.0 };
        Ok(Preview {
            content,
            clip: None,
            frame: 0,
            paused: false,
            gizmos: false,
            orbit: None,
            error: None,
            dirty: true,
            shown: 0,
            finishing: false,
            playing_s: 0.0,
            watch,
            orbit_view: None,
            build: Requests::default(),
            options,
        })
    }

    /// The content narrowed to the selected scene and action, as `generate` narrows it.
    fn selected(&self) -> Result<Content, String> {
        let mut content = self.content.clone();
        let scenes: Vec<String> = self.options.scene.iter().cloned().collect();
        let actions: Vec<String> = self.options.action.iter().cloned().collect();
        content.select(&scenes, &actions)?;
        Ok(content)
    }

    /// Whether a clip or an orbit view is being built; the window shows "building...".
    pub fn building(&self) -> bool {
        self.build.clip || self.build.orbit.is_some()
    }

    /// Asks the builder for the selected clip, when the selection or content changed.
    fn request_clip(&mut self, builder: &Builder) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        self.orbit_view = None;
        match self.selected() {
            Ok(content) => {
                self.build.generation += 1;
                self.build.clip = true;
                let (seed, index, video) = (self.options.seed, self.options.index, self.options.video);
                builder.send(Job::Clip { generation: self.build.generation, content, seed, index, video });
            }
            Err(message) => self.error = Some(message),
        }
    }

    /// Takes what the builder finished: the latest clip asked for (older ones are dropped) and
    /// the orbit view of the current frame.
    fn receive(&mut self, builder: &Builder) {
        while let Ok(done) = builder.done.try_recv() {
            match done {
                Done::Clip { generation, .. } if generation != self.build.generation => {}
                Done::Clip { result, .. } => {
                    self.build.clip = false;
                    match result {
                        Ok(clip) => {
                            self.clip = Some(*clip);
                            self.error = None;
                            self.frame = 0;
                            self.playing_s = 0.0;
                        }
                        Err(message) => self.error = Some(message),
                    }
                }
                Done::Still { key, result } if Some(key) == self.build.orbit => {
                    self.build.orbit = None;
                    match result {
                        Ok(image) => self.orbit_view = Some((key.0, key.1, image)),
                        Err(error) => self.error = Some(error),
                    }
                }
                Done::Still { .. } => {}
            }
        }
    }

    /// Reloads the content files; an error is kept for display and the last good content stays.
    pub fn reload(&mut self) {
        match Content::load(&self.options.scenes_dir, &self.options.actions_dir, &self.options.objects) {
            Ok(content) => {
                self.content = content;
                self.error = None;
                self.dirty = true;
            }
            Err(error) => self.error = Some(error.to_string()),
        }
    }

    fn frames(&self) -> u32 {
        self.clip.as_ref().map_or(1, |c| c.frames.len().max(1) as u32)
    }

    /// Moves to the next (or previous) name in `names` after `current` (`None` counts as "any").
    fn cycle(names: Vec<String>, current: &Option<String>) -> Option<String> {
        let at = current.as_ref().and_then(|c| names.iter().position(|n| n == c));
        match at {
            Some(i) if i + 1 < names.len() => Some(names[i + 1].clone()),
            Some(_) => None,
            None => names.first().cloned(),
        }
    }

    /// Applies one key press.
    pub fn press(&mut self, key: KeyCode) {
        match key {
            KeyCode::KeyN => {
                self.options.seed = self.options.seed.wrapping_add(1);
                self.dirty = true;
            }
            KeyCode::KeyB => {
                self.options.seed = self.options.seed.wrapping_sub(1);
                self.dirty = true;
            }
            KeyCode::KeyS => {
                let names = self.content.scenes.iter().map(|s| s.def.name.clone()).collect();
                self.options.scene = Self::cycle(names, &self.options.scene);
                self.dirty = true;
            }
            KeyCode::KeyA => {
                let names = self.content.actions.iter().map(|a| a.def.name.clone()).collect();
                self.options.action = Self::cycle(names, &self.options.action);
                self.dirty = true;
            }
            KeyCode::Space => self.paused = !self.paused,
            KeyCode::Period => {
                self.paused = true;
                self.frame = (self.frame + 1) % self.frames();
            }
            KeyCode::Comma => {
                self.paused = true;
                self.frame = (self.frame + self.frames() - 1) % self.frames();
            }
            KeyCode::KeyR => {
                self.frame = 0;
                self.playing_s = 0.0;
            }
            KeyCode::Tab => self.options.overlays = !self.options.overlays,
            KeyCode::KeyG => self.gizmos = !self.gizmos,
            KeyCode::KeyC => self.orbit = if self.orbit.is_some() { None } else { Some((30.0, 1.4)) },
            KeyCode::ArrowLeft | KeyCode::ArrowRight | KeyCode::ArrowUp | KeyCode::ArrowDown => {
                if let Some((yaw, distance)) = &mut self.orbit {
                    match key {
                        KeyCode::ArrowLeft => *yaw -= 15.0,
                        KeyCode::ArrowRight => *yaw += 15.0,
                        KeyCode::ArrowUp => *distance = (*distance * 0.85).max(0.3),
                        _ => *distance = (*distance / 0.85).min(6.0),
                    }
                }
            }
            KeyCode::KeyP => {
                if let Err(error) = self.save_current(Path::new(".")) {
                    self.error = Some(error);
                }
            }
            _ => {}
        }
    }

    /// Advances playback by `seconds` of real time (nothing when paused).
    pub fn advance(&mut self, seconds: f32) {
        if self.paused || self.clip.is_none() {
            return;
        }
        self.playing_s += seconds;
        let fps = self.options.video.fps.max(1) as f32;
        self.frame = (self.playing_s * fps) as u32 % self.frames();
    }

    /// Writes the current clip frame (as `generate` would) and the window's view into `dir`.
    pub fn save_current(&self, dir: &Path) -> Result<PathBuf, String> {
        let clip = self.clip.as_ref().ok_or("no clip to save")?;
        let spec = &clip.planned.spec;
        let stem = format!(
            "preview-{}-{}-s{}-i{}-f{:03}",
            spec.scene,
            spec.action,
            self.options.seed,
            self.options.index,
            self.frame + 1
        );
        let path = dir.join(format!("{stem}.jpg"));
        write_jpeg(&path, &clip.frames[self.frame as usize]).map_err(|e| e.to_string())?;
        self.view().save(dir.join(format!("{stem}-view.png"))).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// The camera the orbit view looks through.
    fn orbit_camera(&self, clip: &PreviewClip, (yaw, distance): (f32, f32)) -> CameraSpec {
        let mut camera = clip.planned.spec.camera.clone();
        let target = Vec3::from(camera.look_at);
        let (sin, cos) = yaw.to_radians().sin_cos();
        let eye = target + Vec3::new(sin * distance, 0.6 * distance, cos * distance);
        camera.position = eye.to_array();
        camera.motion.clear();
        camera.shake = None;
        camera
    }

    /// Asks for the orbit view of the current frame if it is on and out of date.
    fn request_orbit(&mut self, builder: &Builder) {
        let (Some(orbit), Some(clip)) = (self.orbit, self.clip.as_ref()) else {
            (self.orbit_view, self.build.orbit) = (None, None);
            return;
        };
        let key = (self.frame, orbit);
        if self.orbit_view.as_ref().is_some_and(|(frame, at, _)| (*frame, *at) == key) || self.build.orbit == Some(key)
        {
            return;
        }
        let camera = self.orbit_camera(clip, orbit);
        let (spec, trajectory) = (Box::new(clip.planned.spec.clone()), clip.planned.trajectory.clone());
        builder.send(Job::Still { key, spec, trajectory, frame: self.frame as usize, camera });
        self.build.orbit = Some(key);
    }

    /// What the window shows: the frame (or the orbit view), enlarged, with the overlays.
    pub fn view(&self) -> RgbImage {
        let video = self.options.video;
        let scale = self.options.scale.max(1);
        let (width, height) = (video.width * scale, video.height * scale);
        let Some(clip) = self.clip.as_ref() else {
            let mut view = RgbImage::from_pixel(width, height, Rgb([20, 20, 24]));
            self.draw_texts(&mut view, None);
            return view;
        };
        let source = match &self.orbit_view {
            Some((_, _, image)) if self.orbit.is_some() => image,
            _ => &clip.frames[self.frame as usize],
        };
        let mut view = image::imageops::resize(source, width, height, image::imageops::FilterType::Nearest);
        if self.gizmos {
            self.draw_gizmos(&mut view, clip);
        }
        if self.options.overlays {
            self.draw_texts(&mut view, Some(clip));
        }
        view
    }

    fn draw_texts(&self, view: &mut RgbImage, clip: Option<&PreviewClip>) {
        let (width, height) = view.dimensions();
        let mut line = 0;
        let mut say = |view: &mut RgbImage, text: &str, color: Rgb<u8>| {
            for chunk in wrap(text, (width / 8).max(1) as usize) {
                shade(view, 0, 2 + line * 10, width, 10);
                draw_text(view, 2, 3 + line * 10, &chunk, color);
                line += 1;
            }
        };
        let white = Rgb([255, 255, 255]);
        // Errors first, so a long list of checks never pushes them out of view.
        if let Some(error) = &self.error {
            for text in error.lines() {
                say(view, text, Rgb([255, 80, 80]));
            }
        }
        if self.building() {
            say(view, "building...", Rgb([120, 200, 255]));
        }
        if let Some(clip) = clip {
            let spec = &clip.planned.spec;
            say(view, &spec.label, Rgb([255, 230, 120]));
            say(view, &format!("{} (class {})", spec.template, spec.class_index), white);
            say(
                view,
                &format!(
                    "scene {}  action {}  seed {}  index {}  frame {}/{}{}{}",
                    spec.scene,
                    spec.action,
                    self.options.seed,
                    self.options.index,
                    self.frame + 1,
                    clip.frames.len(),
                    if self.paused { "  paused" } else { "" },
                    if self.orbit.is_some() { "  orbit" } else { "" },
                ),
                white,
            );
            for check in &clip.live[self.frame as usize].checks {
                let (mark, color) =
                    if check.passed { ("ok ", Rgb([120, 255, 120])) } else { ("-- ", Rgb([255, 140, 120])) };
                say(view, &format!("{mark}{}", check.condition), color);
            }
        }
        // The help line at the bottom.
        let rows = wrap(HELP, (width / 8).max(1) as usize);
        for (i, chunk) in rows.iter().enumerate() {
            let y = height.saturating_sub(10 * (rows.len() - i) as u32);
            shade(view, 0, y, width, 10);
            draw_text(view, 2, y + 1, chunk, Rgb([200, 200, 200]));
        }
    }

    /// The work surface's outline, the scene's action area, the actors' paths and the role
    /// objects' tracks, projected through the frame's camera; with the orbit camera, the clip
    /// camera's frustum too.
    fn draw_gizmos(&self, view: &mut RgbImage, clip: &PreviewClip) {
        let spec = &clip.planned.spec;
        let video = self.options.video;
        let scale = self.options.scale.max(1) as f32;
        let camera = match self.orbit {
            Some(orbit) => CameraModel::new(&self.orbit_camera(clip, orbit), video.width, video.height),
            None => CameraModel::at_frame(&spec.camera, self.frame, video.fps, video.width, video.height),
        };
        let polyline = |view: &mut RgbImage, points: &[Vec3], color: Rgb<u8>| {
            for pair in points.windows(2) {
                if let (Some(a), Some(b)) = (camera.project(pair[0]), camera.project(pair[1])) {
                    draw_line(view, a * scale, b * scale, color);
                }
            }
        };
        let [x0, x1, z0, z1] = spec.work_surface_rect();
        let top = spec.work_surface_top;
        let rect = [
            Vec3::new(x0, top, z0),
            Vec3::new(x1, top, z0),
            Vec3::new(x1, top, z1),
            Vec3::new(x0, top, z1),
            Vec3::new(x0, top, z0),
        ];
        polyline(view, &rect, Rgb([255, 255, 255]));
        // The scene's action area, where role objects are placed (axis-aligned on the table).
        if let Some(scene) = self.content.scenes.iter().find(|s| s.def.name == spec.scene) {
            let ([cx, cz], [hx, hz]) = (scene.def.action_area.center, scene.def.action_area.half_extents);
            let corner = |sx: f32, sz: f32| Vec3::new(cx + sx * hx, top, cz + sz * hz);
            let area = [corner(-1.0, -1.0), corner(1.0, -1.0), corner(1.0, 1.0), corner(-1.0, 1.0), corner(-1.0, -1.0)];
            polyline(view, &area, Rgb([255, 140, 0]));
        }
        for actor in &spec.actors {
            let (Some(first), Some(last)) = (actor.path.first(), actor.path.last()) else { continue };
            let points: Vec<Vec3> = (0..=40)
                .map(|i| Vec3::from(actor.position_at(first.frame + (last.frame - first.frame) * i as f32 / 40.0)))
                .collect();
            polyline(view, &points, Rgb([255, 220, 0]));
        }
        for (index, object) in spec.objects.iter().enumerate() {
            if object.role.is_some() {
                let track: Vec<Vec3> =
                    clip.planned.trajectory.frames.iter().map(|f| Vec3::from(f.objects[index].position)).collect();
                polyline(view, &track, Rgb([0, 230, 255]));
            }
        }
        if self.orbit.is_some() {
            // The clip camera at this frame: its centre and the corners of its view at 0.5 m.
            let (eye, rotation) = spec.camera.pose_at(self.frame as f32, video.fps);
            let half_height = (spec.camera.fov_deg.to_radians() / 2.0).tan() * 0.5;
            let half_width = half_height * video.width as f32 / video.height as f32;
            let corner = |sx: f32, sy: f32| eye + rotation * Vec3::new(sx * half_width, sy * half_height, -0.5);
            let corners = [corner(-1.0, -1.0), corner(1.0, -1.0), corner(1.0, 1.0), corner(-1.0, 1.0)];
            let magenta = Rgb([255, 0, 255]);
            polyline(view, &[corners[0], corners[1], corners[2], corners[3], corners[0]], magenta);
            for c in corners {
                polyline(view, &[eye, c], magenta);
            }
        }
    }
}

/// The trajectory as known at the end of frame `k`.
fn truncated(trajectory: &Trajectory, k: usize) -> Trajectory {
    let k32 = k as u32;
    Trajectory {
        frames: trajectory.frames[..=k].to_vec(),
        first_actor_contact: trajectory.first_actor_contact.iter().map(|c| c.filter(|f| *f <= k32)).collect(),
        object_contacts: trajectory.object_contacts.iter().copied().filter(|c| c.2 <= k32).collect(),
        contacts: trajectory.contacts.iter().copied().filter(|c| c.frame <= k32).collect(),
    }
}

/// The newest modification time among the content files.
fn newest_change(options: &PreviewOptions) -> Option<SystemTime> {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut newest = modified(&options.objects);
    for dir in [&options.scenes_dir, &options.actions_dir] {
        newest = newest.max(modified(dir));
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            newest = newest.max(modified(&entry.path()));
        }
    }
    newest
}

fn wrap(text: &str, columns: usize) -> Vec<String> {
    let characters: Vec<char> = text.chars().collect();
    characters.chunks(columns.max(1)).map(|c| c.iter().collect()).collect()
}

/// Darkens a band so text over the frame stays readable.
fn shade(view: &mut RgbImage, x: u32, y: u32, width: u32, height: u32) {
    for py in y..(y + height).min(view.height()) {
        for px in x..(x + width).min(view.width()) {
            let p = view.get_pixel_mut(px, py);
            p.0 = p.0.map(|c| c / 3);
        }
    }
}

fn draw_line(view: &mut RgbImage, a: Vec2, b: Vec2, color: Rgb<u8>) {
    let steps = (b - a).abs().max_element().ceil().clamp(1.0, 4096.0) as u32;
    for i in 0..=steps {
        let p = a + (b - a) * (i as f32 / steps as f32);
        if p.x >= 0.0 && p.y >= 0.0 && (p.x as u32) < view.width() && (p.y as u32) < view.height() {
            view.put_pixel(p.x as u32, p.y as u32, color);
        }
    }
}

/// What the builder's thread is asked to do.
enum Job {
    /// Plan, simulate, verify and render the clip of `seed` and `index` from `content`.
    Clip { generation: u64, content: Content, seed: u64, index: u64, video: VideoSpec },
    /// Render frame `frame` of a clip through another camera (the orbit view).
    Still { key: (u32, (f32, f32)), spec: Box<ClipSpec>, trajectory: Trajectory, frame: usize, camera: CameraSpec },
}

/// What the builder's thread hands back.
enum Done {
    Clip { generation: u64, result: Result<Box<PreviewClip>, String> },
    Still { key: (u32, (f32, f32)), result: Result<RgbImage, String> },
}

/// Plans and renders clips on a thread of its own, with its own offscreen renderer, so the
/// window keeps updating (and shows "building...") while a clip is made.
#[derive(Resource)]
pub struct Builder {
    jobs: Option<crossbeam_channel::Sender<Job>>,
    done: crossbeam_channel::Receiver<Done>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Builder {
    fn start(video: VideoSpec) -> Builder {
        let (jobs, incoming) = crossbeam_channel::unbounded::<Job>();
        let (finished, done) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("preview-builder".into())
            .spawn(move || {
                let mut renderer = Renderer::new(video.width, video.height);
                while let Ok(first) = incoming.recv() {
                    // Only the newest request of each kind is still wanted.
                    let (mut clip, mut still) = (None, None);
                    for job in std::iter::once(first).chain(incoming.try_iter()) {
                        match job {
                            Job::Clip { .. } => clip = Some(job),
                            Job::Still { .. } => still = Some(job),
                        }
                    }
                    for job in [clip, still].into_iter().flatten() {
                        if finished.send(run_job(job, &mut renderer)).is_err() {
                            return;
                        }
                    }
                }
            })
            .expect("starting the preview's builder thread");
        Builder { jobs: Some(jobs), done, thread: Some(thread) }
    }

    fn send(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            // The thread only stops when the builder is dropped.
            let _ = jobs.send(job);
        }
    }
}

impl Drop for Builder {
    fn drop(&mut self) {
        // Closing the channel ends the thread after its current job.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run_job(job: Job, renderer: &mut Renderer) -> Done {
    match job {
        Job::Clip { generation, content, seed, index, video } => {
            Done::Clip { generation, result: build_clip(&content, seed, index, video, renderer).map(Box::new) }
        }
        Job::Still { key, spec, trajectory, frame, camera } => {
            let result = renderer.render_still(&spec, &trajectory, frame, &camera).map_err(|e| e.to_string());
            Done::Still { key, result }
        }
    }
}

/// Plans, simulates, verifies and renders a clip as `generate` would, with its verification as
/// of every frame.
fn build_clip(
    content: &Content,
    seed: u64,
    index: u64,
    video: VideoSpec,
    renderer: &mut Renderer,
) -> Result<PreviewClip, String> {
    let planned = plan_clip(content, seed, index, video, DEFAULT_MAX_ATTEMPTS).map_err(|e| e.to_string())?;
    let action = content
        .actions
        .iter()
        .find(|a| a.def.name == planned.spec.action)
        .map(|a| a.def.clone())
        .ok_or("the planned action vanished")?;
    let mut frames = Vec::new();
    renderer
        .render_clip(&planned.spec, &planned.trajectory, false, |_, image, _| frames.push(image))
        .map_err(|e| e.to_string())?;
    let live = (0..frames.len()).map(|k| verify(&planned.spec, &action, &truncated(&planned.trajectory, k))).collect();
    Ok(PreviewClip { planned, action, frames, live })
}

/// The window's texture.
#[derive(Resource)]
struct Screen(Handle<Image>);

/// The preview's stages in an update, in order: keys, reloading edited files, asking for and
/// taking built clips, playback, and what the window shows.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum PreviewSet {
    Input,
    Reload,
    Rebuild,
    Play,
    Show,
}

/// The preview's systems and its clip builder, without any window. Insert the [`Preview`]
/// resource first.
pub struct PreviewPlugin;

impl Plugin for PreviewPlugin {
    fn build(&self, app: &mut App) {
        let video =
            app.world().get_resource::<Preview>().expect("insert the Preview before PreviewPlugin").options.video;
        app.insert_resource(Builder::start(video));
        let sets = (PreviewSet::Input, PreviewSet::Reload, PreviewSet::Rebuild, PreviewSet::Play, PreviewSet::Show);
        app.configure_sets(Update, sets.chain());
        app.add_systems(Update, read_keys.in_set(PreviewSet::Input));
        app.add_systems(Update, watch_files.in_set(PreviewSet::Reload));
        app.add_systems(Update, rebuild.in_set(PreviewSet::Rebuild));
        app.add_systems(Update, (play, finish_scripted_run).chain().in_set(PreviewSet::Play));
    }
}

fn read_keys(keys: Res<ButtonInput<KeyCode>>, mut preview: ResMut<Preview>, mut exit: MessageWriter<AppExit>) {
    for key in keys.get_just_pressed() {
        if *key == KeyCode::Escape {
            exit.write(AppExit::Success);
        }
        preview.press(*key);
    }
}

fn watch_files(time: Res<Time>, mut preview: ResMut<Preview>) {
    preview.watch.since_s += time.delta_secs();
    if preview.watch.since_s < WATCH_INTERVAL_S {
        return;
    }
    preview.watch.since_s = 0.0;
    let newest = newest_change(&preview.options);
    if newest != preview.watch.newest {
        preview.watch.newest = newest;
        preview.reload();
    }
}

fn rebuild(mut preview: ResMut<Preview>, builder: Res<Builder>) {
    preview.request_clip(&builder);
    preview.receive(&builder);
    preview.request_orbit(&builder);
}

fn play(time: Res<Time>, mut preview: ResMut<Preview>) {
    // A scripted run steps one frame per update, so what it shows does not depend on speed.
    let step = if preview.options.exit_after.is_some() {
        1.0 / preview.options.video.fps.max(1) as f32
    } else {
        time.delta_secs()
    };
    if !preview.finishing {
        preview.advance(step);
    }
    // A scripted run counts the updates that show a finished clip (or its error), not those
    // spent waiting for it.
    if !preview.build.clip {
        preview.shown += 1;
    }
}

/// At the end of a scripted run: hold the frame still, save the clip frame if asked, and quit
/// unless the window's screenshot is still to be taken (`capture_window` does that).
fn finish_scripted_run(mut preview: ResMut<Preview>, mut exit: MessageWriter<AppExit>) {
    let Some(limit) = preview.options.exit_after else { return };
    if preview.shown < limit || preview.finishing {
        return;
    }
    preview.finishing = true;
    if let (Some((frame, path)), Some(clip)) = (&preview.options.save_frame, preview.clip.as_ref()) {
        let index = (*frame as usize).min(clip.frames.len() - 1);
        if let Err(error) = write_jpeg(path, &clip.frames[index]) {
            eprintln!("error: {error}");
        }
    }
    if preview.options.screenshot.is_none() {
        exit.write(AppExit::Success);
    }
}

/// The window's screenshot as a scripted run takes it: one capture at a time, compared with
/// the view it should show.
#[derive(Resource, Default)]
struct WindowCapture {
    /// When the first capture was asked for.
    since: Option<Instant>,
    /// A capture is asked for and has not arrived yet.
    in_flight: bool,
    /// The capture that arrived, not yet compared.
    arrived: Option<Result<RgbImage, String>>,
}

/// Saves the window's screenshot once the window shows the held frame: a new window presents
/// blank frames for a while (how long depends on the machine), so it captures, compares with
/// the view, and captures again until they match; past `WINDOW_DEADLINE` it fails instead of
/// saving a blank window.
fn capture_window(
    mut commands: Commands,
    preview: Res<Preview>,
    mut capture: ResMut<WindowCapture>,
    mut exit: MessageWriter<AppExit>,
) {
    let (true, Some(path)) = (preview.finishing, &preview.options.screenshot) else { return };
    let since = *capture.since.get_or_insert_with(Instant::now);
    match capture.arrived.take() {
        Some(Ok(shot)) if window_shows(&preview.view(), &shot) => {
            match shot.save(path) {
                Ok(()) => exit.write(AppExit::Success),
                Err(error) => {
                    eprintln!("error: saving the window's screenshot to {}: {error}", path.display());
                    exit.write(AppExit::error())
                }
            };
            return;
        }
        Some(Err(error)) => {
            eprintln!("error: reading the window's screenshot: {error}");
            exit.write(AppExit::error());
            return;
        }
        Some(Ok(_)) => capture.in_flight = false,
        None => {}
    }
    if since.elapsed() > WINDOW_DEADLINE {
        eprintln!(
            "error: the window did not show the clip within {} s; no screenshot saved",
            WINDOW_DEADLINE.as_secs()
        );
        exit.write(AppExit::error());
    } else if !capture.in_flight {
        capture.in_flight = true;
        commands.spawn(Screenshot::primary_window()).observe(
            |captured: On<ScreenshotCaptured>, mut capture: ResMut<WindowCapture>| {
                let image = captured.image.clone().try_into_dynamic().map_err(|e| e.to_string());
                capture.arrived = Some(image.map(|image| image.to_rgb8()));
            },
        );
    }
}

/// Whether a screenshot of the window shows `view`, up to the rounding of the window's
/// texture (a window scaled by the desktop is compared at the view's size).
fn window_shows(view: &RgbImage, shot: &RgbImage) -> bool {
    let shot = if shot.dimensions() == view.dimensions() {
        shot.clone()
    } else {
        image::imageops::resize(shot, view.width(), view.height(), image::imageops::FilterType::Triangle)
    };
    let difference: u64 = view.as_raw().iter().zip(shot.as_raw()).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
    difference as f64 / view.as_raw().len().max(1) as f64 <= WINDOW_MATCH_TOLERANCE
}

/// Copies the view into the window's texture each update.
fn show(preview: Res<Preview>, screen: Res<Screen>, mut images: ResMut<Assets<Image>>) {
    let view = preview.view();
    if let Some(mut image) = images.get_mut(&screen.0) {
        let rgba: Vec<u8> = view.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        image.data = Some(rgba);
    }
}

fn setup_window(
    mut commands: Commands,
    preview: Res<Preview>,
    mut images: ResMut<Assets<Image>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let scale = preview.options.scale.max(1);
    let (width, height) = (preview.options.video.width * scale, preview.options.video.height * scale);
    let image = Image::new_fill(
        Extent3d { width, height, depth_or_array_layers: 1 },
        TextureDimension::D2,
        &[0, 0, 0, 255],
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::default(),
    );
    let handle = images.add(image);
    commands.insert_resource(Screen(handle.clone()));
    commands.spawn((
        Mesh3d(meshes.add(Rectangle::new(width as f32, height as f32))),
        MeshMaterial3d(materials.add(StandardMaterial { base_color_texture: Some(handle), unlit: true, ..default() })),
    ));
    commands.spawn((
        Camera3d::default(),
        // Show the frame's colors as they are.
        Tonemapping::None,
        DebandDither::Disabled,
        Projection::Orthographic(OrthographicProjection {
            scaling_mode: ScalingMode::Fixed { width: width as f32, height: height as f32 },
            ..OrthographicProjection::default_3d()
        }),
        Transform::from_xyz(0.0, 0.0, 10.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
}

/// Opens the preview window and runs until it is closed (or the scripted run ends).
pub fn run_window(preview: Preview) -> AppExit {
    let scale = preview.options.scale.max(1);
    let (width, height) = (preview.options.video.width * scale, preview.options.video.height * scale);
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "synthact preview".into(),
                    resolution: WindowResolution::new(width, height),
                    resizable: false,
                    ..default()
                }),
                exit_condition: ExitCondition::OnPrimaryClosed,
                ..default()
            })
            // The offscreen renderer installs the process's log subscriber.
            .disable::<bevy::log::LogPlugin>(),
    );
    app.insert_resource(preview);
    app.add_plugins(PreviewPlugin);
    app.init_resource::<WindowCapture>();
    app.add_systems(Startup, setup_window);
    app.add_systems(Update, (show, capture_window).in_set(PreviewSet::Show));
    app.run()
}

/// An app with the preview's systems and no window, for driving it from tests: keys go in as
/// keyboard messages, as Bevy's own input tests send them.
pub fn headless_app(preview: Preview) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, InputPlugin));
    app.insert_resource(preview);
    app.add_plugins(PreviewPlugin);
    app
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_screenshot_counts_as_showing_the_view_only_when_it_matches_it() {
        let view = RgbImage::from_fn(32, 24, |x, y| Rgb([(x * 8) as u8, (y * 10) as u8, 200]));
        let rounded = RgbImage::from_fn(32, 24, |x, y| {
            let p = view.get_pixel(x, y);
            Rgb([p[0].saturating_add(1), p[1], p[2] - 1])
        });
        assert!(window_shows(&view, &rounded), "off by one in places: the window's rounding");
        let blank = RgbImage::from_pixel(32, 24, Rgb([40, 40, 46]));
        assert!(!window_shows(&view, &blank), "a window that has not presented the clip yet");
        let scaled = image::imageops::resize(&view, 64, 48, image::imageops::FilterType::Nearest);
        assert!(window_shows(&view, &scaled), "a window the desktop scales up");
    }
}
