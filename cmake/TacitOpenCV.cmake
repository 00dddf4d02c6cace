# OpenCV for the face pipeline (src/biometric): only core, imgproc, imgcodecs
# and dnn. Debian puts OpenCVConfig.cmake in libopencv-dev, which drags in
# about 1 GB (Qt, VTK, every module); the setup installs the four -dev
# packages alone, so the headers and libraries are found here directly.
# Defines the imported target tacit::opencv when everything is there.
find_path(TACIT_OPENCV_INCLUDE_DIR opencv2/dnn.hpp PATH_SUFFIXES opencv4)
set(_tacit_opencv_libs "")
set(_tacit_opencv_found TRUE)
foreach(_m core imgproc imgcodecs dnn)
  find_library(TACIT_OPENCV_${_m}_LIBRARY NAMES opencv_${_m})
  if(TACIT_OPENCV_${_m}_LIBRARY)
    list(APPEND _tacit_opencv_libs ${TACIT_OPENCV_${_m}_LIBRARY})
  else()
    set(_tacit_opencv_found FALSE)
  endif()
endforeach()
if(TACIT_OPENCV_INCLUDE_DIR AND _tacit_opencv_found AND NOT TARGET tacit::opencv)
  add_library(tacit_opencv INTERFACE)
  add_library(tacit::opencv ALIAS tacit_opencv)
  # SYSTEM: OpenCV's headers are not ours to warn about.
  target_include_directories(tacit_opencv SYSTEM INTERFACE ${TACIT_OPENCV_INCLUDE_DIR})
  target_link_libraries(tacit_opencv INTERFACE ${_tacit_opencv_libs})
  set(TACIT_OPENCV_FOUND TRUE)
  message(STATUS "OpenCV for the face pipeline: ${TACIT_OPENCV_INCLUDE_DIR}")
else()
  set(TACIT_OPENCV_FOUND FALSE)
  message(STATUS "OpenCV core/imgproc/imgcodecs/dnn not found: the face pipeline is not built")
endif()
